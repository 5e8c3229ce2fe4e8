// Package budget is the arithmetic of objectives and error budgets: pure
// computation over what is known of a node's days, with no I/O and no
// clock (the caller says what "now" is), so every figure can be checked by
// hand in testdata/*.txt.
//
// # Terms
//
// An objective is a Target percentage of QoS over a Window of days: the
// rolling 7, 28 or 30 days ending with today, or today's calendar month
// (Kind, Kind.Days). The window is given in Unix seconds, [Start, End),
// exact on DST days.
//
// What is known of the window comes as Samples, one per day that has a
// result: the part of the day measured (the whole day for a past day,
// [midnight, now) for today), its OK, KO and Unknown seconds and its KO
// intervals. The rest of the window is Pending: the days not over yet, and
// days without a result, which are assumed to count in full until they are
// known.
//
//   - Counted = OK + KO seconds of the samples (Unknown time, which includes
//     maintenance windows, counts for nothing: semantics §2).
//   - Allowed = (1 − Target/100) × (Counted + Pending): the KO seconds the
//     window may hold and still meet the objective.
//   - Spent = the KO seconds of the samples; Remaining = Allowed − Spent,
//     negative once the budget is exhausted.
//
// Allowed shrinks with Unknown time instead of being a fixed share of the
// window's length: that makes the budget and the QoS agree. Once nothing
// is pending, Remaining ≥ 0 exactly when the window's QoS, 100 × OK /
// (OK + KO), is at least the target (TestLaws).
//
// # Burn rates
//
// A burn rate over a lookback L (1 h, 6 h, 1 d, 3 d: Lookbacks) is the
// share of the counted time of [now − L, now) that was KO, divided by the
// share the objective allows (1 − Target/100): 1 spends the budget exactly
// by the window's end, 14.4 over 1 h spends 2 % of a 30-day budget in that
// hour (the multi-window burn rates of the SRE workbook, chapter 5). A
// lookback with no counted time has no rate.
//
// KO time inside a lookback is exact (the KO intervals). When a lookback
// covers only part of a sample, the rest of that part is shared between OK
// and Unknown in the proportions of the whole sample, since a result keeps
// its KO intervals but not where its Unknown time lay: exact for days with
// no Unknown time and for lookbacks that cover whole days.
package budget
