package redis

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// TestSubscribeAllLivenessNoticesASilentServer: with a liveness of 500ms an idle,
// healthy subscription is not reset (its PINGs are answered), and a frozen server
// (SIGSTOP: the connection stays open, nothing arrives) is noticed within a few
// liveness intervals, not the minute Subscribe takes.
func TestSubscribeAllLivenessNoticesASilentServer(t *testing.T) {
	const liveness = 500 * time.Millisecond
	ctx := ctxT(t)
	srv := redistest.StartServer(t, nil)
	prefix := redistest.RandomPrefix()
	a := newTestAdapter(t, client(t, srv.URL()+"?read_timeout=500ms"), Options{Prefix: prefix})
	b := newTestAdapter(t, client(t, srv.URL()+"?read_timeout=500ms"), Options{Prefix: prefix})
	if _, err := b.SubscribeAllLiveness(ctx, 0, nil, nil); err == nil {
		t.Error("SubscribeAllLiveness accepted a liveness of 0")
	}
	var rec recorder
	stop, err := b.SubscribeAllLiveness(ctx, liveness, rec.onAll, rec.onReset)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	time.Sleep(3 * liveness) // idle: pings are answered, no reset
	if _, _, _, resets := rec.snapshot(); resets != 0 {
		t.Fatalf("%d resets on an idle, healthy connection", resets)
	}
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	paused := time.Now()
	eventually(t, 5*liveness, "a frozen server went unnoticed", func() bool {
		_, _, _, resets := rec.snapshot()
		return resets > 0
	})
	t.Logf("reset %v after the server froze (liveness %v)", time.Since(paused), liveness)
	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "no message after the server resumed", func() bool {
		_ = a.Publish(ctx, "back")
		return rec.has("back")
	})
}

// TestPubSubRefusedNamesTheACLRule: a Redis 7 user without a channel rule (the
// default is resetchannels) is refused SUBSCRIBE and PUBLISH with NOPERM. Both are
// reported at once, as the refusal they are (not an outage), with the ACL rule that
// grants the channel, and no password. The rule, applied as given, works, also for
// a channel with glob characters.
func TestPubSubRefusedNamesTheACLRule(t *testing.T) {
	const (
		adminPW = "adm-pw-inv-1"
		userPW  = "usr-pw-inv-2"
	)
	srv := redistest.StartServer(t, &redistest.Options{
		Password: adminPW,
		Users:    []redistest.User{{Name: "nochan", Password: userPW, Rules: "on ~app:* +@all"}},
	})
	admin := client(t, srv.URL())
	for _, channel := range []string{"", `inv:*?[x]\y`} {
		t.Run("channel="+channel, func(t *testing.T) {
			ctx := ctxT(t)
			a := newTestAdapter(t, client(t, srv.UserURL("nochan")), Options{Prefix: "app:", InvalidationChannel: channel})
			rule := "&" + globEscape(a.Channel())
			start := time.Now()
			_, subErr := a.SubscribeAll(ctx, nil, nil)
			pubErr := a.Publish(ctx, "k")
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("the refusals took %v", d)
			}
			for name, err := range map[string]error{"Subscribe": subErr, "Publish": pubErr} {
				if err == nil {
					t.Fatalf("%s succeeded for a user without the channel", name)
				}
				msg := err.Error()
				for _, want := range []string{"NOPERM", rule, "allchannels"} {
					if !strings.Contains(msg, want) {
						t.Errorf("%s: %q does not mention %q", name, msg, want)
					}
				}
				if strings.Contains(msg, userPW) || strings.Contains(msg, adminPW) {
					t.Errorf("%s: error leaks a password: %q", name, msg)
				}
				if errors.Is(err, adapter.ErrUnavailable) {
					t.Errorf("%s: a refusal reported as an outage: %v", name, err)
				}
			}
			t.Logf("%v", subErr)

			if err := admin.Do(ctx, "ACL", "SETUSER", "nochan", rule).Err(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = admin.Do(ctx, "ACL", "SETUSER", "nochan", "resetchannels").Err() }()
			stop, err := a.SubscribeAll(ctx, nil, nil)
			if err != nil {
				t.Fatalf("Subscribe after ACL SETUSER nochan %s: %v", rule, err)
			}
			stop()
			if err := a.Publish(ctx, "k"); err != nil {
				t.Errorf("Publish after ACL SETUSER nochan %s: %v", rule, err)
			}
		})
	}
}
