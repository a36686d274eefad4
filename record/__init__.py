"""Shailoo: the election record's one home — every board payload and signed message, producer beside checker.

Layer 3½: below trustees, identity, observer and the services, which all import it; above the board, the
elections and the crypto core. docs/spec/record.md specifies every structure defined here.

==========================  ====================================================================================
module                      holds
==========================  ====================================================================================
`record.ceremony`           ceremony context, trustee posts (commitment, shares, complaint), joint key
`record.trustee_posts`      the trustees' Ed25519 signatures on their posts
`record.ballot`             credential message, election base hash, ballot, spoiled ballot, tracking code
`record.issuer`             issuer keys and issuance payloads
`record.attestation`        a precinct device's identification attestation
`record.precinct`           device batches, precinct protocols, paper ballots as counted items
`record.tally`              the counted set, weeding, aggregation, the encrypted tally, turnout
`record.lifecycle`          channels open, issuance, close, decryption shares, result
`record.window`             the voting window: when ballots and the close may come, what check 24 reads
`record.errors`             the package's errors
==========================  ====================================================================================
"""
