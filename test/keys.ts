// Test-only signing keys made by `npm run keys:generate` (never used outside the test suite).

export const ES256_A = {"kty":"EC","crv":"P-256","x":"x21PoKM7N9wwd5I_Pon-CE03Vok7OL4oC2WPpS49HbQ","y":"7bp5cd42Un4GH9jmvhUv8zXKP1NvMZekuu8Gq5gz6dg","d":"2ocIWRGXCuzC0FkB1UCkiTXhlkTHL84hFt2lFmJTmyw","kid":"any78an44XpUBiUh9Cz_r2Fr91P081BrKK9Gs_3Ly1s","alg":"ES256","use":"sig"};
export const ES256_B = {"kty":"EC","crv":"P-256","x":"IrC2hA_YX21EjMHCjTRejh10WPGSTBYbr0LxgCWjhs8","y":"otj7UdRswdIySJvAqtS1WKFqzoPXhGLutQ9NlAsaGBM","d":"EL1eBgfr_FuXPenj2HgLSomxF3j91LyT4D82N3mGRvo","kid":"vD-PQn7rFlUJ0fs9RcXTAl2frClI_utyN392BvCiNc0","alg":"ES256","use":"sig"};
export const EDDSA_A = {"kty":"OKP","crv":"Ed25519","x":"UfjvqDtBLwkvcIRDzpsAjSzLiGtFsATh7KzuDiTpWSE","d":"1Xez8qvjljxoYeJ3PdfnojfwezFGkxhTfk163xOFBXc","kid":"zmlR6BxbTrY_-i7tZOBr7Z3pJVX_JV9H8UV4SfB-Zv4","alg":"EdDSA","use":"sig"};
export const EDDSA_B = {"kty":"OKP","crv":"Ed25519","x":"hCFeGcbMbeqb4lPntRv63enyi3aH8xdlwNoweW-GZE8","d":"SdK6s2j6WevH91GNDnHVu-5m6-mPQbNdV-BqdhSmS3I","kid":"f1EDxt28OWvSQPxJ9-2nOAU1hKom10p2-1s__hBXuZk","alg":"EdDSA","use":"sig"};
