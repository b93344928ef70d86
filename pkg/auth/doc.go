// Package auth identifies callers: it mints and verifies the short-lived
// session secrets session-service hands to browsers, verifies host-app JWTs,
// and carries the authenticated user id through context.
package auth
