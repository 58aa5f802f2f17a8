// Guide, Example 1: Input Validation and Sanitization (verbatim; annotations added).
// Run with the whole pack merged into one config (see semgrep-rules/run-tests.sh).

// ❌ ANTI-PATTERN: No validation, vulnerable to injection
// ruleid: br305-typescript-express-async-unhandled
app.post('/users', async (req, res) => {
  // ruleid: br701-typescript-mass-assignment
  const user = new User(req.body);  // Accepts any input!
  await user.save();
  res.json(user);
});

// ✅ BEST PRACTICE: Comprehensive validation
import { z } from 'zod';

const createUserSchema = z.object({
  email: z.string().email().max(255),
  name: z.string().min(2).max(100),
  age: z.number().int().min(18).max(120),
  role: z.enum(['user', 'admin', 'moderator'])
});

// ok: br305-typescript-express-async-unhandled
app.post('/users', async (req, res) => {
  try {
    const validated = createUserSchema.parse(req.body);
    // ok: br701-typescript-mass-assignment
    const user = new User(validated);
    await user.save();
    res.status(201).json(user);
  } catch (error) {
    if (error instanceof z.ZodError) {
      return res.status(400).json({
        error: 'Validation failed',
        details: error.errors
      });
    }
    throw error;
  }
});
