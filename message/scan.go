package message

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of arrays and objects. A message needs three
// levels; the bound only keeps hostile input from costing much.
const maxDepth = 64

// scanner is a strict JSON scanner (RFC 8259) over one buffer. It exists
// because the decoder sits on the ingestion hot path: scanning the bytes
// once and looking only at the few keys a message may hold costs a fraction
// of encoding/json's reflection into map[string]any, and lets every error
// name the field it is about.
type scanner struct {
	buf     []byte
	pos     int
	depth   int
	utf8    bool   // reject strings that are not valid UTF-8
	scratch []byte // decoded strings that held escapes
}

// member is one member of a JSON object: which known key it has (keyOther
// for any other), the span of its key token and the span of its value in
// the scanner's buffer. Keys are matched without allocating; the text of
// an unknown key is decoded again only to report it.
type member struct {
	key              key
	keyStart, keyEnd int
	start, end       int
}

// syntaxError is a JSON syntax error at a byte offset.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("invalid JSON at byte %d: %s", e.off, e.msg) }

// encodingError reports bytes that are not UTF-8 inside a string.
type encodingError struct{ off int }

func (e *encodingError) Error() string { return fmt.Sprintf("not valid UTF-8 at byte %d", e.off) }

func (s *scanner) fail(format string, args ...any) error {
	return &syntaxError{off: s.pos, msg: fmt.Sprintf(format, args...)}
}

func (s *scanner) unexpected() error {
	if s.pos >= len(s.buf) {
		return s.fail("unexpected end of input")
	}
	return s.fail("unexpected %q", s.buf[s.pos])
}

func (s *scanner) ws() {
	for s.pos < len(s.buf) {
		switch s.buf[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.pos >= len(s.buf) {
		return 0
	}
	return s.buf[s.pos]
}

// end checks that only white space follows.
func (s *scanner) end() error {
	s.ws()
	if s.pos != len(s.buf) {
		return s.unexpected()
	}
	return nil
}

// value scans (and validates) one value of any kind.
func (s *scanner) value() error {
	switch c := s.peek(); {
	case c == '{':
		return s.object(nil)
	case c == '[':
		return s.array(nil)
	case c == '"':
		_, err := s.str()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	}
	return s.unexpected()
}

func (s *scanner) literal(word string) error {
	if len(s.buf)-s.pos < len(word) || string(s.buf[s.pos:s.pos+len(word)]) != word {
		return s.fail("invalid literal")
	}
	s.pos += len(word)
	return nil
}

// number scans a JSON number.
func (s *scanner) number() error {
	b := s.buf
	i := s.pos
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		s.pos = i
		return s.fail("invalid number")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			s.pos = i
			return s.fail("invalid number")
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			s.pos = i
			return s.fail("invalid number")
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	s.pos = i
	return nil
}

// str scans a string and returns its decoded content. The result aliases
// the buffer when the string holds no escape, and the scanner's scratch
// space otherwise: it is valid until the next call.
func (s *scanner) str() ([]byte, error) {
	b := s.buf
	start := s.pos + 1 // after the opening quote
	i := start
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return b[start:i], nil
		case c == '\\':
			s.scratch = append(s.scratch[:0], b[start:i]...)
			return s.escaped(i)
		case c < 0x20:
			s.pos = i
			return nil, s.fail("control character in string")
		case c < utf8.RuneSelf:
			i++
		default:
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n == 1 && s.utf8 {
				return nil, &encodingError{off: i}
			}
			i += n
		}
	}
	s.pos = i
	return nil, s.fail("unterminated string")
}

// escaped finishes a string from the first backslash at i, decoding into
// the scratch space.
func (s *scanner) escaped(i int) ([]byte, error) {
	b := s.buf
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return s.scratch, nil
		case c == '\\':
			if i+1 >= len(b) {
				s.pos = i + 1
				return nil, s.fail("unterminated string")
			}
			i++
			switch b[i] {
			case '"', '\\', '/':
				s.scratch = append(s.scratch, b[i])
			case 'b':
				s.scratch = append(s.scratch, '\b')
			case 'f':
				s.scratch = append(s.scratch, '\f')
			case 'n':
				s.scratch = append(s.scratch, '\n')
			case 'r':
				s.scratch = append(s.scratch, '\r')
			case 't':
				s.scratch = append(s.scratch, '\t')
			case 'u':
				r, ok := hex4(b, i+1)
				if !ok {
					s.pos = i
					return nil, s.fail("invalid \\u escape")
				}
				i += 4
				if utf16.IsSurrogate(r) {
					// A pair decodes to one rune; a lone surrogate becomes
					// U+FFFD, as encoding/json does.
					if r2, ok := hex4(b, i+3); ok && i+2 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							r = dec
							i += 6
						} else {
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				s.scratch = utf8.AppendRune(s.scratch, r)
			default:
				s.pos = i
				return nil, s.fail("invalid escape")
			}
			i++
		case c < 0x20:
			s.pos = i
			return nil, s.fail("control character in string")
		case c < utf8.RuneSelf:
			s.scratch = append(s.scratch, c)
			i++
		default:
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n == 1 && s.utf8 {
				return nil, &encodingError{off: i}
			}
			s.scratch = append(s.scratch, b[i:i+n]...)
			i += n
		}
	}
	s.pos = i
	return nil, s.fail("unterminated string")
}

// hex4 decodes the four hexadecimal digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// object scans an object. When members is not nil, the object's members
// are appended to it in order.
func (s *scanner) object(members *[]member) error {
	s.depth++
	if s.depth > maxDepth {
		return s.fail("nested too deeply")
	}
	s.pos++ // '{'
	if s.peek() == '}' {
		s.pos++
		s.depth--
		return nil
	}
	for {
		if s.peek() != '"' {
			return s.unexpected()
		}
		keyStart := s.pos
		name, err := s.str()
		if err != nil {
			return err
		}
		var k key
		if members != nil {
			k = lookupKey(name)
		}
		keyEnd := s.pos
		if s.peek() != ':' {
			return s.unexpected()
		}
		s.pos++
		s.ws()
		start := s.pos
		if err := s.value(); err != nil {
			return err
		}
		if members != nil {
			*members = append(*members, member{key: k, keyStart: keyStart, keyEnd: keyEnd, start: start, end: s.pos})
		}
		switch s.peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			s.depth--
			return nil
		default:
			return s.unexpected()
		}
	}
}

// array scans an array. When spans is not nil it receives the span of each
// element.
func (s *scanner) array(spans *[][2]int) error {
	s.depth++
	if s.depth > maxDepth {
		return s.fail("nested too deeply")
	}
	s.pos++ // '['
	if s.peek() == ']' {
		s.pos++
		s.depth--
		return nil
	}
	for {
		s.ws()
		start := s.pos
		if err := s.value(); err != nil {
			return err
		}
		if spans != nil {
			*spans = append(*spans, [2]int{start, s.pos})
		}
		switch s.peek() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			s.depth--
			return nil
		default:
			return s.unexpected()
		}
	}
}
