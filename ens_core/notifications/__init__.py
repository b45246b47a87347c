"""In-app notifications (and e-mail, later) sent to users by every package."""
