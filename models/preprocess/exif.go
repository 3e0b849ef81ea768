package preprocess

import (
	"bytes"
	"encoding/binary"
)

// EXIF orientation, read from a JPEG's APP1 "Exif" segment. Only the one tag
// is needed, so this walks the few structures leading to it instead of using
// a full EXIF library. Every offset comes from the file, so each is checked
// against the data before use; anything malformed means "no orientation"
// (1), never an error: the pixels are still fine.

const (
	markerSOI  = 0xD8
	markerEOI  = 0xD9
	markerSOS  = 0xDA
	markerAPP1 = 0xE1
	markerTEM  = 0x01

	tagOrientation = 0x0112
	typeShort      = 3
	typeLong       = 4
)

var exifHeader = []byte("Exif\x00\x00")

// jpegOrientation returns the EXIF orientation (1-8) of a JPEG file, or 1
// when there is none or it cannot be read.
func jpegOrientation(data []byte) int {
	if len(data) < 2 || data[0] != 0xFF || data[1] != markerSOI {
		return 1
	}
	i := 2
	for i+2 <= len(data) {
		if data[i] != 0xFF {
			return 1 // not at a marker: the header is malformed
		}
		marker := data[i+1]
		switch {
		case marker == 0xFF: // fill byte before a marker
			i++
			continue
		case marker == markerSOI || marker == markerTEM || (marker >= 0xD0 && marker <= 0xD7):
			i += 2 // markers without a length
			continue
		case marker == markerSOS || marker == markerEOI:
			return 1 // image data starts: metadata segments are over
		}
		if i+4 > len(data) {
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[i+2:])) // includes its own 2 bytes
		if n < 2 || i+2+n > len(data) {
			return 1
		}
		seg := data[i+4 : i+2+n]
		if marker == markerAPP1 && bytes.HasPrefix(seg, exifHeader) {
			return tiffOrientation(seg[len(exifHeader):])
		}
		i += 2 + n
	}
	return 1
}

// tiffOrientation reads the Orientation tag from IFD0 of the TIFF structure
// inside an EXIF segment.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := uint64(bo.Uint32(t[4:8]))
	if ifd < 8 || ifd+2 > uint64(len(t)) {
		return 1
	}
	count := int(bo.Uint16(t[ifd:]))
	for e := range count {
		q := int(ifd) + 2 + 12*e // 12-byte entries: tag, type, count, value
		if q+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[q:]) != tagOrientation {
			continue
		}
		var v uint32
		switch bo.Uint16(t[q+2:]) {
		case typeShort:
			v = uint32(bo.Uint16(t[q+8:]))
		case typeLong: // not what the standard says, but some writers do it
			v = bo.Uint32(t[q+8:])
		default:
			return 1
		}
		if bo.Uint32(t[q+4:]) != 1 || v < 1 || v > 8 {
			return 1
		}
		return int(v)
	}
	return 1
}
