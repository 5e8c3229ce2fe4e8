package compute

// WaitAhead waits until the day s computes ahead, if any, is computed (or
// failed), and returns it: "" when there is none.
func WaitAhead(s *Sequence) string {
	if s.ahead == nil {
		return ""
	}
	<-s.ahead.done
	return s.ahead.day
}
