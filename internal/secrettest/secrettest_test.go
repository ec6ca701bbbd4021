package secrettest

import "testing"

func TestLeak(t *testing.T) {
	pw := Password("/")
	for text, want := range map[string]string{
		"no secret here":            "",
		"redis://u:xxxxx@h":         "",
		"invalid port \":Qz7\"":     "Qz7",
		"path /Vk2/Jw9@127.0.0.1":   "/Vk",
		"escaped Qz7%2FVk2%2FJw9 x": "Qz7%2FVk2%2FJw9",
		"tail 2/J":                  "2/J",
	} {
		if got := Leak(text, pw); got != want {
			t.Errorf("Leak(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestGarbled(t *testing.T) {
	for text, want := range map[string]bool{
		"cannot xxxxxarse":               true,
		"oxxxxxen redis://":              true,
		"redis://u:xxxxx@h":              false,
		"password=xxxxx&a=1":             false,
		"l2=redis%3A%2F%2Fu%3Axxxxx%40h": false,
		"xxxxx":                          false,
		"axxxxx":                         true,
	} {
		if got := Garbled(text); got != want {
			t.Errorf("Garbled(%q) = %v, want %v", text, got, want)
		}
	}
}
