package auth

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sign must write exactly what golang-jwt writes for the same claims, so
// that secrets stay standard JWTs whichever path minted them.
func TestSignMatchesGolangJWT(t *testing.T) {
	s, err := NewSigner([]byte("0123456789abcdef0123456789abcdef"), 10*time.Minute, nil)
	require.NoError(t, err)
	now := time.Date(2026, 11, 28, 19, 0, 0, 123456789, time.UTC)
	exp := now.Add(10 * time.Minute).Truncate(time.Second)
	for _, user := range []string{"anon_abc123", `quote"back\\slash`, "<html>&amp;", "ünïcødé ✓", "tab\tnew\nline\u2028"} {
		want, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
			Issuer: SessionIssuer, Subject: user, Audience: jwt.ClaimStrings{SessionAudience},
			ExpiresAt: jwt.NewNumericDate(exp), IssuedAt: jwt.NewNumericDate(now), ID: "cksess_xyz",
		}).SignedString(s.key)
		require.NoError(t, err)
		got, err := s.sign(user, "cksess_xyz", exp, now)
		require.NoError(t, err)
		assert.Equal(t, want, got, "user %q", user)
	}
}
