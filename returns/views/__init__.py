"""Pages and actions of monthly returns, by topic. Thin: read the request, call one service, show the result.

- `common`: the access helper `get_return_for_user` (404 for what the user may
  not see, 403 for what they may see but not change) and the request helpers;
- `entry`: the return page and its entry form (`detail`, `enter`);
- `actions`: the transitions, one view each, and their bulk forms;
- `lists`: My returns, To review, Completeness;
- `history`: a return's audit trail;
- `template`: the Excel template's download and upload.

State changes are POST only; a refused action (wrong state, stale version,
four-eyes) comes back to the return with a message saying why, and changes
nothing. What a user may do is asked of `returns.policy`, never decided here.
"""
