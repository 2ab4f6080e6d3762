package scenarios

import (
	"fmt"
	"strings"
)

// suggest returns ` (did you mean "x"?)` for the name in names closest to
// the misspelt s, or "" when none is close.
func suggest(s string, names []string) string {
	best, bestDist := "", 3
	if len(s) < 4 {
		bestDist = 2
	}
	for _, n := range names {
		d := editDistance(s, n)
		if norm(s) == norm(n) {
			d = 0
		}
		if d < bestDist {
			best, bestDist = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// suggestOrList is suggest, or failing that a list of the valid names.
func suggestOrList(s string, names []string) string {
	if sg := suggest(s, names); sg != "" {
		return sg
	}
	return "; expected one of " + strings.Join(names, ", ")
}

func norm(s string) string {
	return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(s))
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
