/** Files imported as text with vite's ?raw suffix (tests only). */
declare module '*?raw' {
  const text: string;
  export default text;
}
