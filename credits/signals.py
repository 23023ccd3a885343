from django.dispatch import Signal

# Sent after commit when a workspace's credits went up (purchase, grant, adjustment),
# with workspace_id: work that paused for lack of credits can go on.
credits_added = Signal()
