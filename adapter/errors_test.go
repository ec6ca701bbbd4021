package adapter_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/serializer"
)

func TestCheckKey(t *testing.T) {
	for _, k := range []string{"a", " ", "\x00", strings.Repeat("k", adapter.MaxKeyLen)} {
		if err := adapter.CheckKey(k); err != nil {
			t.Errorf("CheckKey(%d bytes) = %v", len(k), err)
		}
	}
	for _, k := range []string{"", strings.Repeat("k", adapter.MaxKeyLen+1)} {
		if err := adapter.CheckKey(k); !errors.Is(err, adapter.ErrInvalidKey) {
			t.Errorf("CheckKey(%d bytes) = %v, want ErrInvalidKey", len(k), err)
		}
	}
}

func TestCheckTTL(t *testing.T) {
	for _, ttl := range []time.Duration{time.Nanosecond, time.Hour, adapter.NoExpiration} {
		if err := adapter.CheckTTL(ttl); err != nil {
			t.Errorf("CheckTTL(%v) = %v", ttl, err)
		}
	}
	for _, ttl := range []time.Duration{adapter.DefaultTTL, -2, -time.Second} {
		if err := adapter.CheckTTL(ttl); !errors.Is(err, adapter.ErrInvalidTTL) {
			t.Errorf("CheckTTL(%v) = %v, want ErrInvalidTTL", ttl, err)
		}
	}
}

func TestNotFoundNamesTheKeyAndShortensLongOnes(t *testing.T) {
	err := adapter.NotFound("users:42")
	if !errors.Is(err, adapter.ErrNotFound) || !strings.Contains(err.Error(), `"users:42"`) {
		t.Fatalf("NotFound = %v", err)
	}
	var ke *adapter.KeyError
	if !errors.As(err, &ke) || ke.Key != "users:42" {
		t.Fatalf("errors.As KeyError: %+v", ke)
	}
	long := strings.Repeat("x", 10_000)
	msg := adapter.NotFound(long).Error()
	if len(msg) > 400 || !strings.Contains(msg, "10000 bytes") {
		t.Fatalf("long key message is %d bytes: %.200s", len(msg), msg)
	}
}

func TestErrCodecIsTheSerializerSentinel(t *testing.T) {
	if !errors.Is(adapter.ErrCodec, serializer.ErrCodec) {
		t.Fatal("adapter.ErrCodec and serializer.ErrCodec differ")
	}
}
