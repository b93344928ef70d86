package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
)

// Issuer and audience of session secrets. Verify insists on both, so a JWT
// minted by the host application (AUTH_MODE=jwt) can never pass as a
// session secret, even when someone configures the same key for both.
const (
	SessionIssuer   = "taskpilot/session-service"
	SessionAudience = "taskpilot/chat-service"
)

// MinKeyLen is the shortest accepted signing key (HS256 wants 256 bits).
const MinKeyLen = 32

// maxUserIDLen bounds the user ids a secret may carry.
const maxUserIDLen = 256

var (
	// ErrExpired is the cause of Verify's error for a well-signed secret
	// whose lifetime is over; Claims are still returned with it.
	ErrExpired = errors.New("session secret expired")
	// ErrInvalid is the cause of Verify's error for anything else:
	// malformed, tampered, signed with another key, wrong issuer/audience.
	ErrInvalid = errors.New("invalid session secret")
)

// Signer mints and verifies session secrets: short-lived HS256 JWTs bound
// to a user id (sub) and carrying a session id (jti).
type Signer struct {
	key    []byte
	macs   sync.Pool // of HMAC-SHA256 hashes keyed with key
	ttl    time.Duration
	now    func() time.Time
	parser *jwt.Parser
}

// Token is a freshly minted session secret.
type Token struct {
	Secret    string
	SessionID string
	ExpiresAt time.Time
}

// Claims is what a verified session secret says.
type Claims struct {
	UserID    string
	SessionID string
	ExpiresAt time.Time
}

// NewSigner returns a Signer using key (at least MinKeyLen bytes) whose
// secrets live for ttl. now is the clock (time.Now in production).
func NewSigner(key []byte, ttl time.Duration, now func() time.Time) (*Signer, error) {
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("session signing key is %d bytes, need at least %d", len(key), MinKeyLen)
	}
	if ttl <= 0 {
		return nil, fmt.Errorf("session ttl must be positive, got %s", ttl)
	}
	if now == nil {
		now = time.Now
	}
	k := make([]byte, len(key))
	copy(k, key)
	return &Signer{
		key:  k,
		macs: sync.Pool{New: func() any { return hmac.New(sha256.New, k) }},
		ttl:  ttl,
		now:  now,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithIssuer(SessionIssuer),
			jwt.WithAudience(SessionAudience),
			jwt.WithExpirationRequired(),
			jwt.WithTimeFunc(now),
		),
	}, nil
}

// TTL is the lifetime of minted secrets.
func (s *Signer) TTL() time.Duration { return s.ttl }

// Mint returns a new secret for userID.
func (s *Signer) Mint(userID string) (Token, error) {
	if userID == "" || len(userID) > maxUserIDLen {
		return Token{}, apperr.Invalid("user id must be 1-%d characters", maxUserIDLen)
	}
	sid, err := newSessionID()
	if err != nil {
		return Token{}, err
	}
	now := s.now()
	exp := now.Add(s.ttl).Truncate(time.Second).UTC()
	secret, err := s.sign(userID, sid, exp, now)
	if err != nil {
		return Token{}, fmt.Errorf("sign session secret: %w", err)
	}
	return Token{Secret: secret, SessionID: sid, ExpiresAt: exp}, nil
}

// Verify checks secret and returns its claims. Failures are 401
// *apperr.Error values wrapping ErrExpired or ErrInvalid; for ErrExpired the
// (authentic) claims are returned as well, so that a caller may refresh an
// expired secret of the same user.
func (s *Signer) Verify(secret string) (Claims, error) {
	var rc jwt.RegisteredClaims
	_, err := s.parser.ParseWithClaims(secret, &rc, func(*jwt.Token) (any, error) { return s.key, nil })
	claims := Claims{UserID: rc.Subject, SessionID: rc.ID}
	if rc.ExpiresAt != nil {
		claims.ExpiresAt = rc.ExpiresAt.UTC()
	}
	switch {
	case err == nil && (rc.Subject == "" || rc.ID == ""):
		return Claims{}, unauthorized(ErrInvalid, "session secret is invalid")
	case err == nil:
		return claims, nil
	case errors.Is(err, jwt.ErrTokenExpired) && onlyExpired(err) && rc.Subject != "":
		return claims, unauthorized(ErrExpired, "session secret expired")
	default:
		return Claims{}, unauthorized(fmt.Errorf("%w: %w", ErrInvalid, err), "session secret is invalid")
	}
}

// onlyExpired reports whether expiry is the token's only problem (jwt joins
// every failed validation into one error; the signature was checked first).
func onlyExpired(err error) bool {
	for _, other := range []error{jwt.ErrTokenInvalidIssuer, jwt.ErrTokenInvalidAudience,
		jwt.ErrTokenNotValidYet, jwt.ErrTokenUsedBeforeIssued, jwt.ErrTokenSignatureInvalid,
		jwt.ErrTokenMalformed, jwt.ErrTokenUnverifiable, jwt.ErrTokenRequiredClaimMissing} {
		if errors.Is(err, other) {
			return false
		}
	}
	return true
}

func unauthorized(cause error, message string) *apperr.Error {
	e := apperr.Unauthorized("%s", message)
	e.Err = cause
	return e
}

func newSessionID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate session id: %w", err)
	}
	return "cksess_" + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// jwtHeader is the encoded JOSE header of every session secret, as
// golang-jwt writes it for HS256.
var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// sign encodes and signs the claims of a session secret. It writes the
// same bytes as jwt.NewWithClaims(HS256, jwt.RegisteredClaims{...})
// .SignedString (a test holds it to that) without reflection-based JSON
// encoding or a new HMAC per call, which were a quarter of a session mint's
// CPU (bench/RESULTS.md). Verify still parses with golang-jwt.
func (s *Signer) sign(userID, sid string, exp, iat time.Time) (string, error) {
	sub, err := json.Marshal(userID)
	if err != nil {
		return "", err
	}
	jti, err := json.Marshal(sid)
	if err != nil {
		return "", err
	}
	claims := make([]byte, 0, 128+len(sub)+len(jti))
	claims = append(claims, `{"iss":"`+SessionIssuer+`","sub":`...)
	claims = append(claims, sub...)
	claims = append(claims, `,"aud":["`+SessionAudience+`"],"exp":`...)
	claims = strconv.AppendInt(claims, exp.Unix(), 10)
	claims = append(claims, `,"iat":`...)
	claims = strconv.AppendInt(claims, iat.Truncate(time.Second).Unix(), 10)
	claims = append(claims, `,"jti":`...)
	claims = append(claims, jti...)
	claims = append(claims, '}')

	enc := base64.RawURLEncoding
	out := make([]byte, 0, len(jwtHeader)+1+enc.EncodedLen(len(claims))+1+enc.EncodedLen(sha256.Size))
	out = append(out, jwtHeader...)
	out = append(out, '.')
	out = enc.AppendEncode(out, claims)
	mac := s.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write(out)
	var sum [sha256.Size]byte
	sig := mac.Sum(sum[:0])
	s.macs.Put(mac)
	out = append(out, '.')
	out = enc.AppendEncode(out, sig)
	return string(out), nil
}
