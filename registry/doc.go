// Package registry selects a cache backend by URL, the way database/sql selects a
// driver by name. Drivers register a [Factory] for their scheme from init;
// applications import github.com/stratacache/strata/drivers/all (or single drivers)
// and call strata.Open (for a typed cache) or [Open] with a URL from their
// configuration (strata.FromEnv reads it from STRATA_URL).
//
// The package-level functions use [DefaultMux]. A program or test that registers
// schemes of its own without touching the process-wide table uses a [Mux] of its own;
// drivers whose URLs name other URLs (layered) open them through the same Mux
// ([MuxFrom]). Drivers read their query parameters with [Params].
//
// # URLs
//
// The scheme selects the driver; each driver's package documents its parameters:
//
//	memory://?max_cost=64MiB&grace=30s
//	redis://user:pass@host:6379/0?prefix=app:&grace=30s
//	layered://?l1=memory%3A%2F%2F&l2=redis%3A%2F%2Fhost%3A6379%2F0
//
// [ParseURL] finds the user info by the URL's structure, before net/url reads the
// rest: it is everything between "://" and the last '@' before the first '?' or '#'.
// So a password may hold '/', '@', ':', '%', spaces, '&', '=', '+', ';' or non-ASCII
// text as they are (as generated base64 passwords do), or percent-encoded (a '%'
// followed by two hex digits is always an escape). Only '?' and '#' must be
// percent-encoded ('?' as %3F, '#' as %23; url.UserPassword encodes a password for a
// URL). Cache URLs have no fragment. An '@' in a path must be written %40.
//
// A child URL given as a parameter value (layered's l2=) is best escaped with
// url.QueryEscape. Written as is, it is taken exactly as written ([Params.URL]), so
// its password must not hold '&' or ';' or a '%' that starts no escape, which mean
// something in the outer URL's query; Strata then refuses the URL without naming
// the pieces.
//
// # Errors
//
//   - [ErrUnknownScheme]: no driver registered the URL's scheme; the error lists the
//     registered ones.
//   - [ErrPasswordEncoding]: a '?' or '#' in the password is not percent-encoded;
//     the error says how to encode it.
//   - An unknown query parameter is an error that lists the accepted ones, and so
//     is a malformed query (a ';', or a '%' not followed by two hex digits).
//
// # Guarantees
//
// Passwords never appear in errors or logs (nor in a strata.Config printed, logged
// or marshalled, which redacts its URL with [Redact]), however the URL was written. Errors and [Redact] hide passwords by the
// same structure [ParseURL] uses. [Scrub], the second line of defence for drivers,
// replaces only whole occurrences of secrets of three or more characters, so that it
// never garbles ordinary words.
package registry
