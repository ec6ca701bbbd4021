package adapter

import (
	"context"
	"fmt"
)

// CheckContext returns nil while ctx is live, and otherwise its error wrapped with a
// "strata:" prefix (errors.Is still matches context.Canceled or DeadlineExceeded).
// Drivers call it before doing any work, so a cancelled call changes nothing.
func CheckContext(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("strata: %w", err)
	}
	return nil
}
