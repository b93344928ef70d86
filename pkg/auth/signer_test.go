package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/auth"
)

var (
	testKey    = []byte("0123456789abcdef0123456789abcdef")
	foreignKey = []byte("fedcba9876543210fedcba9876543210")
	epoch      = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newSigner(t testing.TB, key []byte, clk *clock) *auth.Signer {
	t.Helper()
	s, err := auth.NewSigner(key, 10*time.Minute, clk.now)
	require.NoError(t, err)
	return s
}

func TestNewSignerRejectsBadInput(t *testing.T) {
	_, err := auth.NewSigner([]byte("short"), time.Minute, nil)
	assert.ErrorContains(t, err, "at least 32")
	_, err = auth.NewSigner(testKey, 0, nil)
	assert.ErrorContains(t, err, "ttl")
}

func TestMintVerify(t *testing.T) {
	clk := &clock{t: epoch}
	s := newSigner(t, testKey, clk)

	tok, err := s.Mint("user-1")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(tok.SessionID, "cksess_"))
	assert.Equal(t, epoch.Add(10*time.Minute), tok.ExpiresAt)
	assert.NotContains(t, tok.Secret, string(testKey))

	claims, err := s.Verify(tok.Secret)
	require.NoError(t, err)
	assert.Equal(t, auth.Claims{UserID: "user-1", SessionID: tok.SessionID, ExpiresAt: tok.ExpiresAt}, claims)

	other, err := s.Mint("user-1")
	require.NoError(t, err)
	assert.NotEqual(t, tok.Secret, other.Secret)
	assert.NotEqual(t, tok.SessionID, other.SessionID)

	otherUser, err := s.Mint("user-2")
	require.NoError(t, err)
	claims, err = s.Verify(otherUser.Secret)
	require.NoError(t, err)
	assert.Equal(t, "user-2", claims.UserID, "a secret is bound to the user it was minted for")
}

func TestMintRejectsBadUserIDs(t *testing.T) {
	s := newSigner(t, testKey, &clock{t: epoch})
	for _, id := range []string{"", strings.Repeat("u", 257)} {
		_, err := s.Mint(id)
		ae, ok := apperr.As(err)
		require.True(t, ok, "got %v", err)
		assert.Equal(t, http.StatusBadRequest, ae.Status)
	}
}

func TestVerifyExpiry(t *testing.T) {
	clk := &clock{t: epoch}
	s := newSigner(t, testKey, clk)
	tok, err := s.Mint("user-1")
	require.NoError(t, err)

	clk.t = epoch.Add(10*time.Minute - time.Second)
	_, err = s.Verify(tok.Secret)
	require.NoError(t, err, "still valid a second before expiry")

	clk.t = epoch.Add(10*time.Minute + time.Second)
	claims, err := s.Verify(tok.Secret)
	require.Error(t, err)
	assert.ErrorIs(t, err, auth.ErrExpired)
	ae, ok := apperr.As(err)
	require.True(t, ok)
	assert.Equal(t, http.StatusUnauthorized, ae.Status)
	assert.Equal(t, "user-1", claims.UserID, "expired secrets still say whose they were")
}

func TestVerifyRejects(t *testing.T) {
	clk := &clock{t: epoch}
	s := newSigner(t, testKey, clk)
	good, err := s.Mint("user-1")
	require.NoError(t, err)
	foreign, err := newSigner(t, foreignKey, clk).Mint("user-1")
	require.NoError(t, err)

	sign := func(claims jwt.Claims, method jwt.SigningMethod, key any) string {
		t.Helper()
		out, err := jwt.NewWithClaims(method, claims).SignedString(key)
		require.NoError(t, err)
		return out
	}
	valid := func() jwt.RegisteredClaims {
		return jwt.RegisteredClaims{Issuer: auth.SessionIssuer, Audience: jwt.ClaimStrings{auth.SessionAudience},
			Subject: "user-1", ID: "cksess_x", ExpiresAt: jwt.NewNumericDate(epoch.Add(time.Minute))}
	}
	hostJWT := valid()
	hostJWT.Issuer, hostJWT.Audience = "https://host.example.com", jwt.ClaimStrings{"host-app"}
	wrongAud := valid()
	wrongAud.Audience = jwt.ClaimStrings{"someone-else"}
	noExp := valid()
	noExp.ExpiresAt = nil
	noSub := valid()
	noSub.Subject = ""
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)

	parts := strings.Split(good.Secret, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	forged := strings.Replace(string(payload), "user-1", "user-2", 1)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + parts[2]
	unsigned := sign(valid(), jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType)

	tests := []struct {
		name   string
		secret string
	}{
		{name: "empty", secret: ""},
		{name: "garbage", secret: "not-a-jwt"},
		{name: "tampered payload", secret: tampered},
		{name: "truncated signature", secret: good.Secret[:len(good.Secret)-4]},
		{name: "signed with a foreign key", secret: foreign.Secret},
		{name: "host JWT signed with the same key", secret: sign(hostJWT, jwt.SigningMethodHS256, testKey)},
		{name: "wrong audience", secret: sign(wrongAud, jwt.SigningMethodHS256, testKey)},
		{name: "no expiry", secret: sign(noExp, jwt.SigningMethodHS256, testKey)},
		{name: "no subject", secret: sign(noSub, jwt.SigningMethodHS256, testKey)},
		{name: "alg none", secret: unsigned},
		{name: "other algorithm", secret: sign(valid(), jwt.SigningMethodES256, ecKey)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			claims, err := s.Verify(tc.secret)
			require.Error(t, err)
			assert.ErrorIs(t, err, auth.ErrInvalid)
			assert.False(t, errors.Is(err, auth.ErrExpired))
			assert.Equal(t, auth.Claims{}, claims)
			ae, ok := apperr.As(err)
			require.True(t, ok)
			assert.Equal(t, http.StatusUnauthorized, ae.Status)
			assert.Equal(t, apperr.CodeUnauthorized, ae.Code)
		})
	}
}

func TestExpiredForeignSecretIsInvalidNotExpired(t *testing.T) {
	clk := &clock{t: epoch}
	foreign, err := newSigner(t, foreignKey, clk).Mint("user-1")
	require.NoError(t, err)
	clk.t = epoch.Add(time.Hour)
	_, err = newSigner(t, testKey, clk).Verify(foreign.Secret)
	assert.ErrorIs(t, err, auth.ErrInvalid)
	assert.NotErrorIs(t, err, auth.ErrExpired, "only authentic secrets may be refreshed")
}

func BenchmarkMint(b *testing.B) {
	s := newSigner(b, testKey, &clock{t: epoch})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Mint("anon_0123456789abcdefghijkl"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	s := newSigner(b, testKey, &clock{t: epoch})
	tok, err := s.Mint("anon_0123456789abcdefghijkl")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Verify(tok.Secret); err != nil {
			b.Fatal(err)
		}
	}
}
