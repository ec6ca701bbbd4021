package redis

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	goredis "github.com/redis/go-redis/v9"
)

// go-redis has one logger for the whole process, which prints to stderr: a line
// per failed dial during an outage, several per Close under load. The first New or
// Open replaces it with goRedisLogger, which hands go-redis's lines to the Logger
// of the most recent adapter that has one, at debug level, and otherwise drops
// them (see the package doc).
var (
	goRedisOnce sync.Once
	goRedisSink atomic.Pointer[slog.Logger]
)

// goRedisLogger is the go-redis logger Strata installs.
type goRedisLogger struct{}

func (goRedisLogger) Printf(ctx context.Context, format string, v ...any) {
	l := goRedisSink.Load()
	if l == nil || !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	l.DebugContext(ctx, "go-redis: "+strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: "))
}

// quietGoRedis installs goRedisLogger once per process and, when l is not nil,
// makes it the destination of go-redis's lines.
func quietGoRedis(l *slog.Logger) {
	goRedisOnce.Do(func() { goredis.SetLogger(goRedisLogger{}) })
	if l != nil {
		goRedisSink.Store(l)
	}
}

// minSecretLen is the shortest secret the log redactor looks for: replacing every
// occurrence of a shorter string would garble ordinary words (and reveal the
// secret by where the gaps are), while such a short password is never printed by
// Strata or go-redis in the first place.
const minSecretLen = 4

// redacted returns l with every occurrence of the given secrets replaced in each
// record's message and string attributes, or nil when l is nil.
func redacted(l *slog.Logger, secrets ...string) *slog.Logger {
	if l == nil {
		return nil
	}
	var keep []string
	for _, s := range secrets {
		if len(s) >= minSecretLen {
			keep = append(keep, s)
		}
	}
	if len(keep) == 0 {
		return l
	}
	return slog.New(&redactor{h: l.Handler(), secrets: keep})
}

// redactor is a slog.Handler that removes secrets before passing records on.
type redactor struct {
	h       slog.Handler
	secrets []string
}

func (r *redactor) Enabled(ctx context.Context, level slog.Level) bool {
	return r.h.Enabled(ctx, level)
}

func (r *redactor) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, r.scrub(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(r.attr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r *redactor) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = r.attr(a)
	}
	return &redactor{h: r.h.WithAttrs(clean), secrets: r.secrets}
}

func (r *redactor) WithGroup(name string) slog.Handler {
	return &redactor{h: r.h.WithGroup(name), secrets: r.secrets}
}

func (r *redactor) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, r.scrub(v.String()))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, ga := range g {
			clean[i] = r.attr(ga)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, r.scrub(err.Error()))
		}
		return slog.String(a.Key, r.scrub(fmt.Sprint(v.Any())))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func (r *redactor) scrub(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, "xxxxx")
	}
	return s
}
