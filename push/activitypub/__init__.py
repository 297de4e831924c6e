"""ActivityPub: the newsroom and each public tag are followable actors.

`actors` names them and writes their documents, `signatures` signs and checks HTTP requests
the way Mastodon does (draft-cavage HTTP Signatures with a Digest), `delivery` records what is
owed to followers' inboxes with the change and sends it from the queue, `inbox` takes Follow,
Undo and replies, and `views` serves WebFinger, actors, collections, objects and inboxes.
"""
