declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
  const path: string
  export default path
}
declare module 'swagger-ui-dist/swagger-ui.css' {
  const path: string
  export default path
}
declare module '@resvg/resvg-wasm/index_bg.wasm' {
  const path: string
  export default path
}
declare module '@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf' {
  const path: string
  export default path
}
declare module '*.png' {
  const path: string
  export default path
}
