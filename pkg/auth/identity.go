package auth

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
)

// CookieUserID is the per-browser user id cookie of AUTH_MODE=anonymous.
const CookieUserID = "tp_uid"

// anonymousCookieMaxAge keeps the browser's identity (and so its tasks and
// threads) for a year.
const anonymousCookieMaxAge = 365 * 24 * time.Hour

// Identifier tells session-service who is asking for a session.
type Identifier interface {
	// Identify returns the caller's user id, or a 401 *apperr.Error.
	Identify(c *fiber.Ctx) (string, error)
}

// AnonymousIdentifier identifies browsers by an identity cookie the server
// issues and verifies (HttpOnly, SameSite=Lax). The cookie is
// "v1.<payload>.<mac>": the payload is 128 random bits, the mac an
// HMAC-SHA256 of it under a key derived from the session signing key, and
// the user id is a second HMAC of the payload under another derived key. So
// the database (and its backups) holds user ids from which no working cookie
// can be made, and a cookie the server did not issue (forged, tampered with,
// or signed under another key) is replaced by a new identity, never adopted.
//
// Cookies of the previous scheme ("anon_<random>", stored verbatim as the
// user id) are replaced too, unless AdoptLegacy is set: then such a cookie
// is re-issued signed, keeping its user id (a transition switch, see
// AUTH_ANON_ADOPT_LEGACY).
type AnonymousIdentifier struct {
	macKey, idKey []byte
	adoptLegacy   bool
}

// NewAnonymousIdentifier returns the AUTH_MODE=anonymous Identifier, its keys
// derived (HKDF-SHA256) from signingKey. adoptLegacy re-issues cookies of the
// unsigned scheme with their user id instead of replacing them.
func NewAnonymousIdentifier(signingKey []byte, adoptLegacy bool) (*AnonymousIdentifier, error) {
	if len(signingKey) < 32 {
		return nil, errors.New("anonymous identity needs a signing key of at least 32 bytes")
	}
	macKey, err := hkdf.Key(sha256.New, signingKey, nil, "taskpilot anonymous cookie mac v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive cookie key: %w", err)
	}
	idKey, err := hkdf.Key(sha256.New, signingKey, nil, "taskpilot anonymous user id v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive user id key: %w", err)
	}
	return &AnonymousIdentifier{macKey: macKey, idKey: idKey, adoptLegacy: adoptLegacy}, nil
}

// Identify implements Identifier.
func (a *AnonymousIdentifier) Identify(c *fiber.Ctx) (string, error) {
	raw := c.Cookies(CookieUserID)
	if id, ok := a.verify(raw); ok {
		return id, nil
	}
	payload := ""
	if a.adoptLegacy && validLegacyID(raw) {
		payload = legacyPayload + raw
	} else {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("generate anonymous identity: %w", err)
		}
		payload = randomPayload + base64.RawURLEncoding.EncodeToString(b[:])
	}
	c.Cookie(&fiber.Cookie{
		Name:     CookieUserID,
		Value:    a.issue(payload),
		Path:     "/",
		MaxAge:   int(anonymousCookieMaxAge.Seconds()),
		HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode,
		Secure:   c.Protocol() == "https",
	})
	return a.userID(payload), nil
}

// Cookie payload kinds: r = random (the user id is derived from it), l = a
// legacy user id adopted as it is.
const (
	randomPayload = "r"
	legacyPayload = "l"
	cookieVersion = "v1."
)

func (a *AnonymousIdentifier) mac(payload string) string {
	m := hmac.New(sha256.New, a.macKey)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (a *AnonymousIdentifier) issue(payload string) string {
	return cookieVersion + payload + "." + a.mac(payload)
}

// verify returns the user id of a cookie this server issued.
func (a *AnonymousIdentifier) verify(raw string) (string, bool) {
	rest, ok := strings.CutPrefix(raw, cookieVersion)
	if !ok || len(rest) > 128 {
		return "", false
	}
	i := strings.LastIndexByte(rest, '.')
	if i < 0 {
		return "", false
	}
	payload, sig := rest[:i], rest[i+1:]
	if !hmac.Equal([]byte(sig), []byte(a.mac(payload))) {
		return "", false
	}
	switch {
	case strings.HasPrefix(payload, randomPayload), strings.HasPrefix(payload, legacyPayload) && validLegacyID(payload[1:]):
		return a.userID(payload), true
	}
	return "", false
}

// userID maps a verified payload to the stored user id.
func (a *AnonymousIdentifier) userID(payload string) string {
	if id, ok := strings.CutPrefix(payload, legacyPayload); ok {
		return id
	}
	m := hmac.New(sha256.New, a.idKey)
	m.Write([]byte(payload))
	return anonymousPrefix + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

const anonymousPrefix = "anon_"

// validLegacyID accepts only ids of the shape the unsigned scheme made
// ("anon_" and 16 random bytes in base64url).
func validLegacyID(id string) bool {
	if len(id) != len(anonymousPrefix)+22 || id[:len(anonymousPrefix)] != anonymousPrefix {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(id[len(anonymousPrefix):])
	return err == nil
}

// JWTIdentifier identifies callers by the host application's bearer JWT
// (AUTH_MODE=jwt); the user id is its sub.
type JWTIdentifier struct {
	verifier *JWTVerifier
}

// NewJWTIdentifier returns the AUTH_MODE=jwt Identifier.
func NewJWTIdentifier(v *JWTVerifier) *JWTIdentifier { return &JWTIdentifier{verifier: v} }

// Identify implements Identifier.
func (j *JWTIdentifier) Identify(c *fiber.Ctx) (string, error) {
	token, ok := BearerToken(c)
	if !ok {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="taskpilot"`)
		return "", apperr.Unauthorized("missing bearer token")
	}
	id, err := j.verifier.Verify(c.UserContext(), token)
	if err != nil {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="taskpilot", error="invalid_token"`)
		return "", err
	}
	return id, nil
}
