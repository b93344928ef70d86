package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
)

// JWTOptions configures NewJWTVerifier. Exactly one of Secret and JWKSURL is
// set.
type JWTOptions struct {
	// Secret verifies HS256 tokens (AUTH_JWT_SECRET).
	Secret []byte
	// JWKSURL is the host's JSON Web Key Set (AUTH_JWKS_URL); tokens are
	// verified with asymmetric algorithms only (RS*, PS*, ES*, EdDSA).
	JWKSURL string
	// Issuer and Audience, when set, must match the token's iss and aud.
	Issuer   string
	Audience string
	// Leeway tolerates clock skew on exp/nbf/iat; 0 means 30s.
	Leeway time.Duration
	// HTTPClient fetches the JWKS; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Logger reports JWKS refresh failures.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// JWTVerifier verifies the host application's JWTs (AUTH_MODE=jwt).
type JWTVerifier struct {
	parser  *jwt.Parser
	keyfunc jwt.Keyfunc
}

var asymmetricAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// NewJWTVerifier builds a verifier. With a JWKS URL it fetches the key set
// now (failures are logged and retried, not fatal: the host's IdP may start
// after us), refreshes it hourly and on unknown key ids, until ctx ends.
func NewJWTVerifier(ctx context.Context, opts JWTOptions) (*JWTVerifier, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Leeway <= 0 {
		opts.Leeway = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	popts := []jwt.ParserOption{jwt.WithExpirationRequired(), jwt.WithLeeway(opts.Leeway), jwt.WithTimeFunc(opts.Now)}
	if opts.Issuer != "" {
		popts = append(popts, jwt.WithIssuer(opts.Issuer))
	}
	if opts.Audience != "" {
		popts = append(popts, jwt.WithAudience(opts.Audience))
	}
	v := &JWTVerifier{}
	switch {
	case len(opts.Secret) > 0 && opts.JWKSURL != "":
		return nil, errors.New("set either a JWT secret or a JWKS URL, not both")
	case len(opts.Secret) > 0:
		key := append([]byte(nil), opts.Secret...)
		v.keyfunc = func(*jwt.Token) (any, error) { return key, nil }
		popts = append(popts, jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}))
	case opts.JWKSURL != "":
		logger := opts.Logger
		kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{opts.JWKSURL}, keyfunc.Override{
			Client:           opts.HTTPClient,
			HTTPTimeout:      10 * time.Second,
			RateLimitWaitMax: 5 * time.Second,
			RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
				return func(ctx context.Context, err error) {
					logger.LogAttrs(ctx, slog.LevelError, "refresh JWKS failed",
						slog.String("url", u), slog.String("error", err.Error()))
				}
			},
		})
		if err != nil {
			return nil, fmt.Errorf("load JWKS from %s: %w", opts.JWKSURL, err)
		}
		v.keyfunc = kf.Keyfunc
		popts = append(popts, jwt.WithValidMethods(asymmetricAlgs))
	default:
		return nil, errors.New("a JWT secret or a JWKS URL is required")
	}
	v.parser = jwt.NewParser(popts...)
	return v, nil
}

// Verify checks a host JWT and returns its subject as the user id. Failures
// are 401 *apperr.Error values.
func (v *JWTVerifier) Verify(_ context.Context, token string) (string, error) {
	var rc jwt.RegisteredClaims
	if _, err := v.parser.ParseWithClaims(token, &rc, v.keyfunc); err != nil {
		return "", unauthorized(fmt.Errorf("verify host jwt: %w", err), "invalid or expired token")
	}
	if rc.Subject == "" || len(rc.Subject) > maxUserIDLen {
		return "", apperr.Unauthorized("token has no usable subject")
	}
	return rc.Subject, nil
}
