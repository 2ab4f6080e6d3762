package scenarios

import (
	"strconv"
	"unicode/utf8"
)

// UUIDKeyLen is the length of a uuid partition key, as the canonical
// 8-4-4-4-12 hex form, in characters.
const UUIDKeyLen = 36

// KeyName is the i-th partition key of a uniform or zipf key space:
// prefix + "k" + i in decimal.
func KeyName(prefix string, i int) string {
	return prefix + "k" + strconv.Itoa(i)
}

// HotKey is the hot key of the hot distribution: prefix + "hot".
func HotKey(prefix string) string { return prefix + "hot" }

// MaxKeyLen is the length, in characters, of the longest partition key k
// can produce: prefix plus 36 for uuid and hot (whose other keys are uuids),
// KeyName(prefix, Count-1) for uniform and zipf. It is 0 for an unknown
// Dist.
func (k Keys) MaxKeyLen() int {
	p := utf8.RuneCountInString(k.Prefix)
	switch k.Dist {
	case KeysUUID, KeysHot:
		return p + max(UUIDKeyLen, len(HotKey("")))
	case KeysUniform, KeysZipf:
		return p + len(KeyName("", max(k.Count, 1)-1))
	}
	return 0
}

// maxKeyBytes is MaxKeyLen in UTF-8 bytes, as record sizes count them.
func (k Keys) maxKeyBytes() int {
	if n := k.MaxKeyLen(); n > 0 {
		return n - utf8.RuneCountInString(k.Prefix) + len(k.Prefix)
	}
	return 0
}
