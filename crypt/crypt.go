// Package crypt protects personal data at rest (DESIGN §5; PIPL art. 51, 等保 2.0
// level 3 confidentiality of stored personal information): values are sealed with
// AES-256-GCM and found through a keyed hash (HMAC-SHA256), so an exact lookup by
// citizen ID or phone needs no plaintext in the database.
package crypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// KeySize is the master key length in bytes.
const KeySize = 32

// Box seals and opens values and computes lookup hashes. Both keys derive from
// one master key, so a deployment keeps one secret.
type Box struct {
	aead    cipher.AEAD
	hashKey []byte
}

// New derives the sealing and hashing keys from master.
func New(master []byte) (*Box, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("加密主密钥应为 %d 字节 (the master key must be %d bytes, got %d)", KeySize, KeySize, len(master))
	}
	block, err := aes.NewCipher(derive(master, "yanglao seal v1"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead, hashKey: derive(master, "yanglao lookup v1")}, nil
}

// ParseKey reads a master key written as 64 hex digits or standard base64.
func ParseKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	return nil, errors.New("加密主密钥应为64位十六进制或32字节的base64 (master key must be 64 hex digits or 32 bytes in base64)")
}

// NewKey returns a fresh random master key in hex.
func NewKey() string {
	b := make([]byte, KeySize)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func derive(master []byte, label string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Seal encrypts plaintext; the random nonce is prepended. The empty string seals to nil.
func (b *Box) Seal(plaintext string) []byte {
	if plaintext == "" {
		return nil
	}
	nonce := make([]byte, b.aead.NonceSize())
	rand.Read(nonce)
	return b.aead.Seal(nonce, nonce, []byte(plaintext), nil)
}

// Open decrypts what Seal produced.
func (b *Box) Open(sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	n := b.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("crypt: sealed value too short")
	}
	p, err := b.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return "", errors.New("crypt: cannot open sealed value (wrong key or tampered data)")
	}
	return string(p), nil
}

// Hash is the keyed lookup hash of a normalised value, in hex.
func (b *Box) Hash(value string) string {
	m := hmac.New(sha256.New, b.hashKey)
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil)[:20])
}
