"""Sign-in protection: throttled password sign-in, named API tokens, TOTP two-factor, SSO."""
