package auth

import (
	"context"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
)

// LocalUser is the c.Locals key RequireUser stores the user id under.
const LocalUser = "user"

// Authenticator turns a bearer token into a user id: a session secret
// minted by session-service, or (AUTH_MODE=jwt) the host application's JWT.
type Authenticator struct {
	signer  *Signer
	hostJWT *JWTVerifier
}

// NewAuthenticator accepts session secrets signed by signer and, when
// hostJWT is not nil, host JWTs as well.
func NewAuthenticator(signer *Signer, hostJWT *JWTVerifier) *Authenticator {
	return &Authenticator{signer: signer, hostJWT: hostJWT}
}

// Authenticate returns the user id token belongs to, or a 401
// *apperr.Error.
func (a *Authenticator) Authenticate(ctx context.Context, token string) (string, error) {
	if token == "" {
		return "", apperr.Unauthorized("missing bearer token")
	}
	claims, err := a.signer.Verify(token)
	if err == nil {
		return claims.UserID, nil
	}
	if a.hostJWT == nil || errors.Is(err, ErrExpired) {
		return "", err
	}
	userID, jerr := a.hostJWT.Verify(ctx, token)
	if jerr != nil {
		return "", jerr
	}
	return userID, nil
}

// RequireUser is Fiber middleware that authenticates the request's
// "Authorization: Bearer <token>" with a and puts the user id into
// c.UserContext() (see UserFrom) and c.Locals(LocalUser); otherwise the
// request ends with 401 and the JSON error shape.
func RequireUser(a *Authenticator) fiber.Handler {
	return func(c *fiber.Ctx) error {
		token, _ := BearerToken(c)
		userID, err := a.Authenticate(c.UserContext(), token)
		if err != nil {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="taskpilot"`)
			return err
		}
		c.Locals(LocalUser, userID)
		c.SetUserContext(WithUser(c.UserContext(), userID))
		return c.Next()
	}
}

// BearerToken returns the token of an "Authorization: Bearer <token>"
// header.
func BearerToken(c *fiber.Ctx) (string, bool) {
	h := c.Get(fiber.HeaderAuthorization)
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
