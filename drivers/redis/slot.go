package redis

// SlotCount is the number of hash slots a Redis Cluster divides its keys into.
const SlotCount = 16384

// Slot returns the Redis Cluster hash slot of key: CRC16 (XMODEM) of the key, or of
// its hashtag, modulo 16384. The hashtag is the part between the first "{" and the
// first "}" after it, when that part is not empty; keys with the same hashtag share a
// slot, so "{user1000}.following" and "{user1000}.followers" land on one node.
//
// Strata computes it itself (go-redis keeps its own copy internal) to group batches by
// slot; it is exported so applications can check how their prefix spreads keys.
func Slot(key string) int {
	return int(crc16(hashtag(key)) % SlotCount)
}

// hashtag returns the part of key that Redis Cluster hashes.
func hashtag(key string) string {
	for i := 0; i < len(key); i++ {
		if key[i] != '{' {
			continue
		}
		for j := i + 1; j < len(key); j++ {
			if key[j] == '}' {
				if j == i+1 {
					return key // "{}" means no hashtag: the whole key is hashed
				}
				return key[i+1 : j]
			}
		}
		return key // an unclosed "{" means no hashtag
	}
	return key
}

// crc16Table is the table of CRC16/XMODEM (polynomial 0x1021, initial value 0), the
// checksum Redis Cluster uses for key slots.
var crc16Table = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc = crc<<8 ^ crc16Table[byte(crc>>8)^s[i]]
	}
	return crc
}
