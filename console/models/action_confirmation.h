#pragma once

#include <QString>

namespace aegis::console {

// What an operator action will do, said before it is done, and how its reason is asked for. The
// pages build one from what they show (rolloutConfirmation, configProposalConfirmation) and ask
// with it; the reason goes to the daemon, which records it.
struct ActionConfirmation {
    // False for an action done at once without a question (Pause holds traffic where it is).
    bool asks = false;
    // "Promote checkout-4?"
    QString title;
    // What happens, one sentence: "All traffic of checkout moves to green (2.4.0)."
    QString effect;
    // What else happens and what stays; may be empty.
    QString details;
    // The accept button: "Promote", "Abort and roll back".
    QString acceptLabel;
    // Takes something away (traffic off a release, a proposal closed): the accept button warns.
    bool destructive = false;
    // The daemon refuses the action without a reason (RejectProposal).
    bool reasonRequired = false;
    // Where the reason ends up, shown in its empty field.
    QString reasonHint;
};

} // namespace aegis::console
