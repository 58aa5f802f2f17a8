// Guide, Example 4: Async Error Handling (verbatim; annotations added).

// ❌ ANTI-PATTERN: Unhandled promise rejections
// ruleid: br305-typescript-express-async-unhandled
app.get('/users/:id', async (req, res) => {
  const user = await userService.findById(req.params.id);
  res.json(user);  // What if findById throws?
});

// ✅ BEST PRACTICE: Comprehensive error handling
// ok: br305-typescript-express-async-unhandled
app.get('/users/:id', async (req, res, next) => {
  try {
    const userId = parseInt(req.params.id, 10);
    if (isNaN(userId)) {
      return res.status(400).json({
        error: 'Invalid user ID format',
        code: 'INVALID_ID'
      });
    }
    
    const user = await userService.findById(userId);
    
    if (!user) {
      return res.status(404).json({
        error: 'User not found',
        code: 'USER_NOT_FOUND'
      });
    }
    
    res.json(user);
  } catch (error) {
    next(error);  // Pass to error handling middleware
  }
});

// Global error handler
// ok: br305-typescript-express-async-unhandled
app.use((err, req, res, next) => {
  console.error('Error:', err);
  
  if (err instanceof ValidationError) {
    return res.status(400).json({ error: err.message });
  }
  
  if (err instanceof UnauthorizedError) {
    return res.status(401).json({ error: 'Unauthorized' });
  }
  
  // Don't leak internal errors to clients
  res.status(500).json({ error: 'Internal server error' });
});
