package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SigningKeyFile is the file in DataDir that keeps the all-in-one's
// generated session signing key across restarts.
const SigningKeyFile = "session_signing.key"

// SigningKey returns the session signing key: SESSION_SIGNING_KEY when set;
// otherwise, for the all-in-one only, the key kept in DataDir, generated
// (256 random bits, file mode 0600) on first start.
func (c *Config) SigningKey() (Secret, error) {
	if c.SessionSigningKey.IsSet() {
		return c.SessionSigningKey, nil
	}
	if c.Target != AllInOne {
		return Secret{}, &FieldError{Var: "SESSION_SIGNING_KEY", Reason: "is required"}
	}
	return loadOrCreateKey(filepath.Join(c.DataDir, SigningKeyFile))
}

func loadOrCreateKey(path string) (Secret, error) {
	if key, err := readKey(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Secret{}, fmt.Errorf("create data dir for the signing key: %w", err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return Secret{}, fmt.Errorf("generate signing key: %w", err)
	}
	key := hex.EncodeToString(raw[:])
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readKey(path) // another process won the race
	}
	if err != nil {
		return Secret{}, fmt.Errorf("create signing key file %s: %w", path, err)
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		_ = f.Close()
		return Secret{}, fmt.Errorf("write signing key file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return Secret{}, fmt.Errorf("write signing key file %s: %w", path, err)
	}
	return NewSecret(key), nil
}

func readKey(path string) (Secret, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Secret{}, fmt.Errorf("read signing key file: %w", err)
	}
	key := strings.TrimSpace(string(b))
	if len(key) < 32 {
		return Secret{}, fmt.Errorf("signing key file %s holds %d bytes, need at least 32: delete it to generate a new one", path, len(key))
	}
	return NewSecret(key), nil
}
