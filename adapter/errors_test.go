package adapter_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/serializer"
)

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
