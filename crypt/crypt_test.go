package crypt

import (
	"bytes"
	"testing"
)

func TestBox(t *testing.T) {
	key, err := ParseKey(NewKey())
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	s1, s2 := b.Seal("430102195001011234"), b.Seal("430102195001011234")
	if bytes.Equal(s1, s2) {
		t.Fatal("sealing twice must give different ciphertexts (random nonce)")
	}
	if bytes.Contains(s1, []byte("1950")) {
		t.Fatal("plaintext visible in ciphertext")
	}
	if p, err := b.Open(s1); err != nil || p != "430102195001011234" {
		t.Fatalf("open = %q, %v", p, err)
	}
	s1[len(s1)-1] ^= 1
	if _, err := b.Open(s1); err == nil {
		t.Fatal("tampered ciphertext opened")
	}
	if h1, h2 := b.Hash("x"), b.Hash("x"); h1 != h2 || h1 == b.Hash("y") {
		t.Fatal("hash must be deterministic and distinguish values")
	}
	other, _ := New(bytes.Repeat([]byte{7}, KeySize))
	if other.Hash("x") == b.Hash("x") {
		t.Fatal("hash must depend on the key")
	}
	if _, err := other.Open(b.Seal("secret")); err == nil {
		t.Fatal("opened with the wrong key")
	}
	if b.Seal("") != nil {
		t.Fatal("empty string should seal to nil")
	}
	for _, bad := range []string{"", "abc", "00"} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
}
