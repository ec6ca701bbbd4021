package serializer

// maxNesting bounds how deeply msgpack containers may nest, as encoding/json
// does. Decoding recurses once per level, and a stack overflow is a fatal
// error that recover cannot catch: without this bound, one value of a few
// megabytes of nested arrays would crash every process that reads it.
const maxNesting = 10000

// msgpackHeader describes the type bytes 0xc4..0xdf: how many bytes of length
// follow, how many fixed bytes follow that, and what the length counts.
type msgpackHeader struct {
	lenBytes, fixed uint8
	kind            uint8 // counts bytes, array items or map pairs
}

const (
	countsBytes = iota
	countsItems
	countsPairs
)

var msgpackHeaders = [0xe0 - 0xc4]msgpackHeader{
	{1, 0, countsBytes}, {2, 0, countsBytes}, {4, 0, countsBytes}, // bin 8/16/32
	{1, 1, countsBytes}, {2, 1, countsBytes}, {4, 1, countsBytes}, // ext 8/16/32
	{0, 4, countsBytes}, {0, 8, countsBytes}, // float 32/64
	{0, 1, countsBytes}, {0, 2, countsBytes}, {0, 4, countsBytes}, {0, 8, countsBytes}, // uint 8..64
	{0, 1, countsBytes}, {0, 2, countsBytes}, {0, 4, countsBytes}, {0, 8, countsBytes}, // int 8..64
	{0, 2, countsBytes}, {0, 3, countsBytes}, {0, 5, countsBytes}, {0, 9, countsBytes}, {0, 17, countsBytes}, // fixext
	{1, 0, countsBytes}, {2, 0, countsBytes}, {4, 0, countsBytes}, // str 8/16/32
	{2, 0, countsItems}, {4, 0, countsItems}, // array 16/32
	{2, 0, countsPairs}, {4, 0, countsPairs}, // map 16/32
}

// msgpackTooDeep reports whether the first msgpack value in b nests
// containers more than maxNesting deep. It walks the value without recursion
// or decoding. Malformed input stops the walk early with false: the decoder
// fails at the same point, before it can nest deeper than the walk did.
func msgpackTooDeep(b []byte) bool {
	if len(b) <= maxNesting { // every level takes at least one byte
		return false
	}
	var initial [64]uint64
	open := initial[:0] // items still due in each open container, innermost last
	for i := 0; i < len(b); {
		if n := len(open); n > 0 {
			open[n-1]-- // this item fills a slot of the innermost container
		}
		c := b[i]
		i++
		var skip, items uint64
		switch {
		case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3: // fixint, nil, bool
		case c <= 0x8f:
			items = 2 * uint64(c&0x0f)
		case c <= 0x9f:
			items = uint64(c & 0x0f)
		case c <= 0xbf:
			skip = uint64(c & 0x1f)
		case c == 0xc1:
			return false // never used: the decoder rejects it
		default:
			h := msgpackHeaders[c-0xc4]
			if len(b)-i < int(h.lenBytes) {
				return false
			}
			var n uint64
			for _, x := range b[i : i+int(h.lenBytes)] {
				n = n<<8 | uint64(x)
			}
			i += int(h.lenBytes)
			switch h.kind {
			case countsBytes:
				skip = n + uint64(h.fixed)
			case countsItems:
				items = n
			case countsPairs:
				items = 2 * n
			}
		}
		if skip > uint64(len(b)-i) {
			return false
		}
		i += int(skip)
		if items > 0 {
			if len(open) == maxNesting {
				return true
			}
			open = append(open, items)
		}
		for len(open) > 0 && open[len(open)-1] == 0 {
			open = open[:len(open)-1]
		}
		if len(open) == 0 {
			return false // the value is complete
		}
	}
	return false
}
