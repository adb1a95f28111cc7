// Vite imports the stylesheet for its side effect.
declare module "*.css";
