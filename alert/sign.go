package alert

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers of a webhook request.
const (
	// SignatureHeader holds "t=<unix seconds>,v1=<hex HMAC-SHA256>": the
	// HMAC, keyed with the receiver's secret, of the timestamp, a dot and
	// the body ("<t>.<body>").
	SignatureHeader = "X-Depc-Signature"
	// DeliveryHeader holds the delivery's id: the same on every attempt,
	// so a receiver can drop what it already processed.
	DeliveryHeader = "X-Depc-Delivery"
)

// DefaultTolerance is how old a signature Verify accepts by default.
const DefaultTolerance = 5 * time.Minute

// Sign returns the SignatureHeader value of body sent at t. Signing the
// timestamp with the body lets a receiver refuse a request replayed later:
// an attacker who saw one cannot change its time without the secret.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Errors of Verify.
var (
	ErrBadSignature = errors.New("alert: the signature does not match the body")
	ErrStale        = errors.New("alert: the signature's timestamp is too far from now")
)

// Verify checks a SignatureHeader value against body, as a webhook
// receiver written in Go would: the HMAC must match (compared in constant
// time) and its timestamp be within tolerance of now (DefaultTolerance
// when tolerance <= 0). The header may hold several v1 values (one per
// secret while a secret is rotated): one matching is enough.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("alert: malformed %s %q", SignatureHeader, header)
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		ok = hmac.Equal(s, want) || ok
	}
	if !ok {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	return nil
}
