package serializer

import (
	"errors"
	"fmt"
)

// ErrCodec is the sentinel for bytes that cannot be decoded and values that
// cannot be encoded. Every error a [Codec] returns wraps it; test with
// errors.Is(err, ErrCodec). Package adapter re-exports it as adapter.ErrCodec.
var ErrCodec = errors.New("strata: codec error")

// codecErr returns an error that wraps ErrCodec and, when non-nil, cause.
func codecErr(cause error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if cause == nil {
		return fmt.Errorf("%w: %s", ErrCodec, msg)
	}
	return fmt.Errorf("%w: %s: %w", ErrCodec, msg, cause)
}

// encodeErr reports a value the named format cannot encode.
func encodeErr[V any](format string, cause error) error {
	return codecErr(cause, "%s cannot encode %s (use a codec that supports this type, or change the type)",
		format, typeName[V]())
}

// decodeErr reports stored bytes the named format cannot decode into V.
func decodeErr[V any](format string, cause error) error {
	return codecErr(cause, "%s cannot decode the stored value into %s (corrupted, or written with another Go type: "+
		"remove the key or keep V compatible with what writers store)", format, typeName[V]())
}

// recoverPanic converts a panic inside a codec library into an ErrCodec
// error stored in *err. It must be deferred directly.
func recoverPanic(format, op string, err *error) {
	if r := recover(); r != nil {
		*err = codecErr(nil, "%s panicked during %s: %v (the input is corrupted or the type is not supported)", format, op, r)
	}
}

// typeName names V for messages, including interface types.
func typeName[V any]() string {
	return fmt.Sprintf("%T", (*V)(nil))[1:]
}
