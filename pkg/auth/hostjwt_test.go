package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/auth"
)

var hostSecret = []byte("host-app-secret-host-app-secret!")

func hostClaims(sub string, exp time.Time) jwt.RegisteredClaims {
	return jwt.RegisteredClaims{Subject: sub, Issuer: "https://host.example.com",
		Audience: jwt.ClaimStrings{"taskpilot"}, ExpiresAt: jwt.NewNumericDate(exp)}
}

func signHS(t *testing.T, claims jwt.Claims, key []byte) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
	require.NoError(t, err)
	return s
}

// jwksServer serves a JWKS with one P-256 key and returns a signer for it.
func jwksServer(t *testing.T) (url string, sign func(jwt.Claims, string) string, hits *atomic.Int32) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	pt, err := key.PublicKey.Bytes() // 0x04 || X || Y
	require.NoError(t, err)
	jwks := map[string]any{"keys": []map[string]string{{
		"kty": "EC", "crv": "P-256", "kid": "k1", "alg": "ES256", "use": "sig",
		"x": base64.RawURLEncoding.EncodeToString(pt[1:33]),
		"y": base64.RawURLEncoding.EncodeToString(pt[33:]),
	}}}
	hits = &atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(jwks)
	}))
	t.Cleanup(srv.Close)
	sign = func(claims jwt.Claims, kid string) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		require.NoError(t, err)
		return s
	}
	return srv.URL, sign, hits
}

func TestJWTVerifierHS256(t *testing.T) {
	v, err := auth.NewJWTVerifier(t.Context(), auth.JWTOptions{Secret: hostSecret,
		Issuer: "https://host.example.com", Audience: "taskpilot", Now: func() time.Time { return epoch }})
	require.NoError(t, err)

	user, err := v.Verify(t.Context(), signHS(t, hostClaims("alice", epoch.Add(time.Hour)), hostSecret))
	require.NoError(t, err)
	assert.Equal(t, "alice", user)

	wrongIss := hostClaims("alice", epoch.Add(time.Hour))
	wrongIss.Issuer = "https://evil.example.com"
	tests := []struct {
		name  string
		token string
	}{
		{name: "expired beyond leeway", token: signHS(t, hostClaims("alice", epoch.Add(-time.Minute)), hostSecret)},
		{name: "wrong key", token: signHS(t, hostClaims("alice", epoch.Add(time.Hour)), foreignKey)},
		{name: "wrong issuer", token: signHS(t, wrongIss, hostSecret)},
		{name: "no subject", token: signHS(t, hostClaims("", epoch.Add(time.Hour)), hostSecret)},
		{name: "garbage", token: "abc.def.ghi"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(t.Context(), tc.token)
			ae, ok := apperr.As(err)
			require.True(t, ok, "got %v", err)
			assert.Equal(t, http.StatusUnauthorized, ae.Status)
		})
	}
}

func TestJWTVerifierJWKS(t *testing.T) {
	url, sign, hits := jwksServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	v, err := auth.NewJWTVerifier(ctx, auth.JWTOptions{JWKSURL: url, Now: func() time.Time { return epoch }})
	require.NoError(t, err)
	assert.Positive(t, hits.Load(), "the key set is fetched at start-up")

	user, err := v.Verify(ctx, sign(hostClaims("bob", epoch.Add(time.Hour)), "k1"))
	require.NoError(t, err)
	assert.Equal(t, "bob", user)

	_, err = v.Verify(ctx, sign(hostClaims("bob", epoch.Add(-time.Hour)), "k1"))
	assert.Error(t, err, "expired")

	// An HS256 token "signed" with public material must never pass (alg confusion).
	_, err = v.Verify(ctx, signHS(t, hostClaims("bob", epoch.Add(time.Hour)), hostSecret))
	assert.Error(t, err)
}

func TestNewJWTVerifierNeedsExactlyOneKeySource(t *testing.T) {
	_, err := auth.NewJWTVerifier(t.Context(), auth.JWTOptions{})
	assert.Error(t, err)
	_, err = auth.NewJWTVerifier(t.Context(), auth.JWTOptions{Secret: hostSecret, JWKSURL: "http://x"})
	assert.Error(t, err)
}
