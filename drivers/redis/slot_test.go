package redis

import (
	"fmt"
	"slices"
	"testing"
)

func TestSlotKnownValues(t *testing.T) {
	// Values from the Redis Cluster specification and CLUSTER KEYSLOT.
	cases := map[string]int{
		"foo":       12182,
		"bar":       5061,
		"hello":     866,
		"123456789": 0x31C3 % SlotCount, // the CRC16/XMODEM check value is 0x31C3
		"":          0,
	}
	for k, want := range cases {
		if got := Slot(k); got != want {
			t.Errorf("Slot(%q) = %d, want %d", k, got, want)
		}
	}
	if crc16("123456789") != 0x31C3 {
		t.Errorf("crc16(123456789) = %#x, want 0x31c3", crc16("123456789"))
	}
}

func TestSlotHashtags(t *testing.T) {
	if a, b := Slot("{user1000}.following"), Slot("{user1000}.followers"); a != b {
		t.Errorf("{user1000}.following in slot %d, {user1000}.followers in %d: want one slot", a, b)
	}
	if Slot("{user1000}.following") != Slot("user1000") {
		t.Error("a hashtag hashes to the slot of its content")
	}
	same := [][2]string{
		{"foo{bar}zap", "bar"},       // the first {...} counts
		{"foo{bar}{zap}", "bar"},     // only the first
		{"foo{{bar}}zap", "{bar"},    // the content starts after the first {
		{"{}foo", "{}foo"},           // empty tag: the whole key
		{"foo{}{bar}", "foo{}{bar}"}, // the first { decides, and its tag is empty
		{"foo{bar", "foo{bar"},       // unclosed
		{"foo}bar{", "foo}bar{"},     // } before {
	}
	for _, c := range same {
		if hashtag(c[0]) != c[1] {
			t.Errorf("hashtag(%q) = %q, want %q", c[0], hashtag(c[0]), c[1])
		}
	}
}

func TestGroupBySlot(t *testing.T) {
	keys := []string{"{a}1", "x", "{a}2", "y", "{a}3", "x2"}
	groups := groupBySlot(keys)
	seen := map[int]bool{}
	for _, g := range groups {
		s := Slot(keys[g[0]])
		for _, i := range g {
			if Slot(keys[i]) != s {
				t.Errorf("group %v mixes slots", g)
			}
			if seen[i] {
				t.Errorf("index %d in two groups", i)
			}
			seen[i] = true
		}
	}
	if len(seen) != len(keys) {
		t.Errorf("groups %v do not cover %d keys", groups, len(keys))
	}
	if !slices.Equal(groups[0], []int{0, 2, 4}) {
		t.Errorf("the {a} keys should form the first group, got %v", groups)
	}
	if g := groupBySlot([]string{"only"}); len(g) != 1 || len(g[0]) != 1 {
		t.Errorf("one key: %v", g)
	}
}

func BenchmarkSlot(b *testing.B) {
	k := fmt.Sprintf("strata:bench:%d", 123456)
	for b.Loop() {
		Slot(k)
	}
}
