"""What every stage stands on: signals, child processes, temporary folders, locks, atomic writes, places."""
