import type { NextConfig } from "next";

// Static export: the all-in-one Go binary serves frontend/out at "/".
// trailingSlash: true gives out/chatkit/index.html, which a static server finds
// for /chatkit, /chatkit/ and /chatkit/index.html alike.
const config: NextConfig = {
  output: "export",
  trailingSlash: true,
  reactStrictMode: true,
  poweredByHeader: false,
  images: { unoptimized: true },
};

export default config;
