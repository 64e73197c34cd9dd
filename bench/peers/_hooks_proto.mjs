const DIST = '/node_modules/@tensorflow/tfjs-core/dist/';
export async function resolve(specifier, context, next) {
  const parent = context.parentURL ?? '';
  if (parent.includes(DIST) && specifier.startsWith('.') && !specifier.endsWith('.js')) {
    return next(specifier + '.js', context);
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (url.includes(DIST) && !url.endsWith('.node.js')) {
    return next(url, { ...context, format: 'module' });
  }
  return next(url, context);
}
