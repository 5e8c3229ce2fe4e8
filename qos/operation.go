package qos

import "fmt"

// Operator is the operator of an operation node (semantics §5).
type Operator uint8

// The operators. The zero Operator is invalid.
const (
	And     Operator = iota + 1 // OK iff every child taking part is OK
	Or                          // OK iff at least one child taking part is OK
	AtLeast                     // OK iff at least M children taking part are OK
	Ratio                       // OK iff the share of children taking part that are OK is at least R
)

// String returns the operator's name as written in a config: "AND", "OR",
// "ATLEAST", "RATIO".
func (o Operator) String() string {
	switch o {
	case And:
		return "AND"
	case Or:
		return "OR"
	case AtLeast:
		return "ATLEAST"
	case Ratio:
		return "RATIO"
	}
	return fmt.Sprintf("Operator(%d)", uint8(o))
}

// Operation is an operator with its argument: M for AtLeast, R for Ratio.
// The other operators ignore both.
type Operation struct {
	Operator Operator
	M        int     // AtLeast: the number of OK children needed, >= 1
	R        float64 // Ratio: the share of OK children needed, in (0, 1]
}

// Validate reports whether the operation can be computed: a known operator,
// M >= 1 for AtLeast, 0 < R <= 1 for Ratio.
func (op Operation) Validate() error {
	if op.valid() {
		return nil
	}
	switch op.Operator {
	case AtLeast:
		return fmt.Errorf("ATLEAST(%d): the count must be an integer >= 1", op.M)
	case Ratio:
		return fmt.Errorf("RATIO(%g): the ratio must be > 0 and <= 1", op.R)
	}
	return fmt.Errorf("unknown operator %d", uint8(op.Operator))
}

// valid is Validate without building an error, for the hot path.
func (op Operation) valid() bool {
	switch op.Operator {
	case And, Or:
		return true
	case AtLeast:
		return op.M >= 1
	case Ratio:
		return op.R > 0 && op.R <= 1
	}
	return false
}

// String returns the operation as written in a config: "AND",
// "ATLEAST(2)", "RATIO(0.5)".
func (op Operation) String() string {
	switch op.Operator {
	case AtLeast:
		return fmt.Sprintf("ATLEAST(%d)", op.M)
	case Ratio:
		return fmt.Sprintf("RATIO(%g)", op.R)
	}
	return op.Operator.String()
}

// Aggregator is the function of an aggregation node (semantics §6).
type Aggregator uint8

// The aggregators. The zero Aggregator is invalid.
const (
	Average Aggregator = iota + 1
	Min
	Max
)

// String returns the aggregator's name as written in a config: "AVERAGE",
// "MIN", "MAX".
func (a Aggregator) String() string {
	switch a {
	case Average:
		return "AVERAGE"
	case Min:
		return "MIN"
	case Max:
		return "MAX"
	}
	return fmt.Sprintf("Aggregator(%d)", uint8(a))
}
