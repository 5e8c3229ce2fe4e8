package qos

import "strconv"

// QoS is a QoS percentage that may be null: Valid is false when nothing was
// known (OK + KO = 0 seconds, or an aggregation with no child QoS). Value is
// in [0, 100] and unrounded; depc rounds only what it shows (Round, Format).
// The zero QoS is null.
type QoS struct {
	Value float64
	Valid bool
}

// Round returns q rounded to decimals (see Round); null stays null.
func (q QoS) Round(decimals int) QoS {
	if !q.Valid {
		return q
	}
	return QoS{Value: Round(q.Value, decimals), Valid: true}
}

// Format returns q rounded to decimals as Format does, or "null".
func (q QoS) Format(decimals int) string {
	if !q.Valid {
		return "null"
	}
	return Format(q.Value, decimals)
}

// String returns q with DefaultDecimals decimals, or "null".
func (q QoS) String() string { return q.Format(DefaultDecimals) }

// DefaultDecimals is the number of decimals a QoS is shown with unless a
// deployment configures another.
const DefaultDecimals = 3

// MaxDecimals bounds the decimals Round and Format accept; more would not
// change a float64 percentage.
const MaxDecimals = 15

// Round returns x rounded to decimals decimals, to nearest with ties to even
// on the binary value: exactly the number strconv.FormatFloat(x, 'f',
// decimals, 64) prints, so a rounded value and its printed form never
// disagree. decimals is clamped to [0, MaxDecimals].
func Round(x float64, decimals int) float64 {
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], x, 'f', clampDecimals(decimals), 64)
	r, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		// Only an infinity's or NaN's text could fail; they round to
		// themselves.
		return x
	}
	return r
}

// Format returns x rounded to decimals decimals as text, as
// strconv.FormatFloat(x, 'f', decimals, 64) does; decimals is clamped to
// [0, MaxDecimals]. Format(99.93055, 3) is "99.931", Format(100, 3) is
// "100.000".
func Format(x float64, decimals int) string {
	return strconv.FormatFloat(x, 'f', clampDecimals(decimals), 64)
}

func clampDecimals(d int) int {
	return min(max(d, 0), MaxDecimals)
}
