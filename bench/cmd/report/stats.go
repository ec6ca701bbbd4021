package main

import (
	"math"
	"slices"
)

// Index finds results by group, subject and round.
type Index struct {
	groups   []string                              // in first-seen order
	subjects map[string][]string                   // per group, in first-seen order
	by       map[string]map[string]map[int]*Result // group -> subject -> round
}

func NewIndex(d *Data) *Index {
	ix := &Index{subjects: map[string][]string{}, by: map[string]map[string]map[int]*Result{}}
	for _, r := range d.Results {
		g := r.Group()
		if ix.by[g] == nil {
			ix.by[g] = map[string]map[int]*Result{}
			ix.groups = append(ix.groups, g)
		}
		if ix.by[g][r.Subject] == nil {
			ix.by[g][r.Subject] = map[int]*Result{}
			ix.subjects[g] = append(ix.subjects[g], r.Subject)
		}
		ix.by[g][r.Subject][r.Round] = r
	}
	return ix
}

// Values returns metric unit of subject in group, one value per round.
func (ix *Index) Values(group, subject, unit string) []float64 {
	var vs []float64
	for _, r := range ix.by[group][subject] {
		if v, ok := r.Metrics[unit]; ok {
			vs = append(vs, v)
		}
	}
	return vs
}

// Has reports whether group has results for subject.
func (ix *Index) Has(group, subject string) bool { return len(ix.by[group][subject]) > 0 }

// Ratios returns, round by round (in round order), a's metric divided by b's
// metric in the same round, for the rounds that have both. The two may be in
// different groups (GetMany against GetSeq).
func (ix *Index) Ratios(groupA, a, groupB, b, unit string) []float64 {
	var rounds []int
	for round := range ix.by[groupA][a] {
		rounds = append(rounds, round)
	}
	slices.Sort(rounds)
	var rs []float64
	for _, round := range rounds {
		ra := ix.by[groupA][a][round]
		rb, ok := ix.by[groupB][b][round]
		if !ok {
			continue
		}
		va, okA := ra.Metrics[unit]
		vb, okB := rb.Metrics[unit]
		if okA && okB && vb != 0 {
			rs = append(rs, va/vb)
		}
	}
	return rs
}

// Ratio returns the median over rounds of a's metric divided by b's metric in
// the same round (the median of per-round ratios, not a ratio of medians: a
// slow phase of the machine hits both sides of a round alike), and how many
// rounds had both.
func (ix *Index) Ratio(groupA, a, groupB, b, unit string) (float64, int) {
	rs := ix.Ratios(groupA, a, groupB, b, unit)
	if len(rs) == 0 {
		return math.NaN(), 0
	}
	return median(rs), len(rs)
}

// Summary is the median and range of a metric over rounds.
type Summary struct {
	Median, Min, Max float64
	N                int
}

func Summarize(vs []float64) Summary {
	if len(vs) == 0 {
		return Summary{Median: math.NaN(), Min: math.NaN(), Max: math.NaN()}
	}
	return Summary{Median: median(vs), Min: slices.Min(vs), Max: slices.Max(vs), N: len(vs)}
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
