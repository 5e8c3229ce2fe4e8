package qos

// Aggregate returns the QoS of an aggregation node (semantics §6): the
// mean (Average), minimum (Min) or maximum (Max) of the children's QoS
// values that are not null. It is null when no value is valid or when a is
// not a known Aggregator. The caller passes the QoS of the children that
// count for the window: relation and child active together during some part
// of it (ActiveTogether).
func Aggregate(a Aggregator, values []QoS) QoS {
	var r float64
	n := 0
	for _, q := range values {
		if !q.Valid {
			continue
		}
		switch {
		case n == 0:
			r = q.Value
		case a == Average:
			r += q.Value
		case a == Min:
			r = min(r, q.Value)
		case a == Max:
			r = max(r, q.Value)
		}
		n++
	}
	switch {
	case n == 0 || a < Average || a > Max:
		return QoS{}
	case a == Average:
		return QoS{Value: r / float64(n), Valid: true}
	}
	return QoS{Value: r, Valid: true}
}
