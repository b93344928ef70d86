package auth

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/config"
)

// Kit is everything a composition root needs for authentication, built from
// the configuration by FromConfig.
type Kit struct {
	// Signer mints (session-service) and verifies (chat-service) session
	// secrets.
	Signer *Signer
	// HostJWT verifies the host application's JWTs; nil unless AUTH_MODE=jwt.
	HostJWT *JWTVerifier
	// Authenticator accepts session secrets (and host JWTs in jwt mode):
	// use it with RequireUser on chat-service routes.
	Authenticator *Authenticator
	// Identifier identifies callers asking session-service for a session.
	Identifier Identifier
}

// FromConfig builds the Kit for cfg: the signing key (generated in the data
// dir for the all-in-one), the session TTL and AUTH_MODE. httpClient fetches
// the JWKS (nil: http.DefaultClient); ctx bounds the JWKS refresh goroutine.
func FromConfig(ctx context.Context, cfg *config.Config, httpClient *http.Client, logger *slog.Logger) (*Kit, error) {
	key, err := cfg.SigningKey()
	if err != nil {
		return nil, fmt.Errorf("session signing key: %w", err)
	}
	signer, err := NewSigner([]byte(key.Reveal()), cfg.SessionTTL, time.Now)
	if err != nil {
		return nil, fmt.Errorf("session signer: %w", err)
	}
	anon, err := NewAnonymousIdentifier([]byte(key.Reveal()), cfg.AnonAdoptLegacy)
	if err != nil {
		return nil, fmt.Errorf("anonymous identity: %w", err)
	}
	kit := &Kit{Signer: signer, Identifier: anon}
	if cfg.AuthMode == config.AuthJWT {
		v, err := NewJWTVerifier(ctx, JWTOptions{
			Secret:     []byte(cfg.AuthJWTSecret.Reveal()),
			JWKSURL:    cfg.AuthJWKSURL,
			Issuer:     cfg.AuthJWTIssuer,
			Audience:   cfg.AuthJWTAudience,
			HTTPClient: httpClient,
			Logger:     logger,
		})
		if err != nil {
			return nil, fmt.Errorf("host JWT verifier: %w", err)
		}
		kit.HostJWT = v
		kit.Identifier = NewJWTIdentifier(v)
	}
	kit.Authenticator = NewAuthenticator(signer, kit.HostJWT)
	return kit, nil
}
