package auth

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
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

// AnonymousIdentifier identifies browsers by a random id kept in an
// HttpOnly, SameSite=Lax cookie, minting one on first contact. The id is
// 128 random bits, so it cannot be guessed; it is sent only to this origin.
type AnonymousIdentifier struct{}

// NewAnonymousIdentifier returns the AUTH_MODE=anonymous Identifier.
func NewAnonymousIdentifier() *AnonymousIdentifier { return &AnonymousIdentifier{} }

// Identify implements Identifier.
func (*AnonymousIdentifier) Identify(c *fiber.Ctx) (string, error) {
	if id := c.Cookies(CookieUserID); validAnonymousID(id) {
		return id, nil
	}
	id, err := newAnonymousID()
	if err != nil {
		return "", err
	}
	c.Cookie(&fiber.Cookie{
		Name:     CookieUserID,
		Value:    id,
		Path:     "/",
		MaxAge:   int(anonymousCookieMaxAge.Seconds()),
		HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode,
		Secure:   c.Protocol() == "https",
	})
	return id, nil
}

const anonymousPrefix = "anon_"

func newAnonymousID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate user id: %w", err)
	}
	return anonymousPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// validAnonymousID accepts only ids of the shape newAnonymousID makes, so a
// hand-edited cookie cannot smuggle arbitrary text into user ids.
func validAnonymousID(id string) bool {
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
