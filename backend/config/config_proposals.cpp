#include "config/config_center.h"

#include "common/input_text.h"
#include "common/time_millis.h"
#include "config/config_records.h"

#include <cstdio>

// Namespaces that require approval: their changes become proposals, which someone other than the
// proposer approves (publishing them) or rejects.
namespace aegis::config {

void ConfigCenter::setNamespace(NamespaceSettings settings,
                                std::function<void(StatusOr<NamespaceSettings>)> done,
                                std::vector<store::Operation> alsoWrite) {
    if (Status s = validateNamespace(settings.name, "namespace.name"); !s.isOk()) {
        return done(s);
    }
    if (Status s = validateFreeText(settings.description, "namespace.description", 1024);
        !s.isOk()) {
        return done(s);
    }
    store::Transaction txn;
    txn.put(namespaceKey(settings.name), encodeNamespace(settings));
    std::move(alsoWrite.begin(), alsoWrite.end(), std::back_inserter(txn.operations));
    m_store.commitAsync(std::move(txn), [settings, done = std::move(done)](
                                            StatusOr<store::TransactionResult> result) mutable {
        if (!result) {
            return done(result.status());
        }
        done(std::move(settings));
    });
}

void ConfigCenter::propose(std::vector<Change> changes, std::string comment, const Author &author,
                           Done done, std::vector<store::Operation> alsoWrite) {
    const std::string ns = changes.front().ref.ns;
    {
        std::shared_lock lock(m_mutex);
        std::size_t pending = 0;
        for (const auto &[key, proposal] : m_proposals) {
            pending += proposal.ns == ns && proposal.state == ProposalState::Pending ? 1 : 0;
        }
        if (pending >= 1000) {
            return done(Status(StatusCode::ResourceExhausted,
                               "namespace '" + ns +
                                   "' already has 1000 pending proposals; decide some first"));
        }
        // A secret stays one (sealed, masked) whether or not the change restates its attributes.
        for (Change &change : changes) {
            if (const auto it = m_items.find(change.ref.path());
                it != m_items.end() && !change.updateAttributes) {
                change.secret = it->second.secret;
            }
        }
    }
    Proposal proposal;
    proposal.ns = ns;
    proposal.changes = std::move(changes);
    proposal.comment = std::move(comment);
    proposal.proposer = author.name;
    proposal.createTime = recordTime();
    {
        std::unique_lock lock(m_mutex);
        char id[48];
        std::snprintf(id, sizeof id, "p%013lld-%04llu",
                      static_cast<long long>(toMillis(proposal.createTime)),
                      static_cast<unsigned long long>(++m_proposalSequence % 10000));
        proposal.id = id;
    }
    store::Transaction txn;
    txn.ifMissing(proposalKey(ns, proposal.id))
        .put(proposalKey(ns, proposal.id), encodeProposal(proposal));
    std::move(alsoWrite.begin(), alsoWrite.end(), std::back_inserter(txn.operations));
    std::vector<std::pair<std::string, Record>> records;
    records.emplace_back(proposalKey(ns, proposal.id), proposal);
    commitAdopting(
        std::move(txn), std::move(records),
        [proposal, done = std::move(done)](StatusOr<store::TransactionResult> result) mutable {
            if (!result || !result->succeeded) {
                return done(result ? Status(StatusCode::Aborted, "proposal id taken; retry")
                                   : result.status());
            }
            PublishResult published;
            proposal.modRevision = result->revision;
            published.proposal = std::move(proposal);
            published.revision = result->revision;
            done(std::move(published));
        });
}

StatusOr<Proposal> ConfigCenter::pendingProposal(const std::string &ns,
                                                 const std::string &id) const {
    std::shared_lock lock(m_mutex);
    const auto it = m_proposals.find(ns + "/" + id);
    if (it == m_proposals.end()) {
        return notFound("namespace '" + ns + "' has no proposal '" + id + "'");
    }
    if (it->second.state != ProposalState::Pending) {
        return failedPrecondition("proposal " + id + " was already decided");
    }
    return it->second;
}

void ConfigCenter::approve(const std::string &ns, const std::string &id, Author approver, Done done,
                           std::vector<store::Operation> alsoWrite) {
    if (Status s = validateProposalRef(ns, id); !s.isOk()) {
        return done(s);
    }
    auto pending = pendingProposal(ns, id);
    if (!pending) {
        return done(pending.status());
    }
    std::optional<Proposal> proposal = std::move(*pending);
    if (proposal->proposer == approver.name && !approver.isAdmin) {
        return done(Status(StatusCode::PermissionDenied,
                           "a proposal is approved by someone other than its proposer (" +
                               proposal->proposer + ")"));
    }
    const std::string suffix = " (approved by " + approver.name + ")";
    const std::size_t room = suffix.size() < 1024 ? 1024 - suffix.size() : 0;
    auto prepared = prepare(proposal->changes, proposal->comment.substr(0, room) + suffix,
                            Author{proposal->proposer, false}, VersionKind::Publish, 0);
    if (!prepared) {
        return done(prepared.status());
    }
    const store::Revision decidedAt = proposal->modRevision;
    proposal->state = ProposalState::Approved;
    proposal->decidedBy = approver.name;
    proposal->decideTime = recordTime();
    // Decided once: a concurrent approval or rejection fails its compare.
    prepared->txn.ifModRevision(proposalKey(ns, id), decidedAt)
        .put(proposalKey(ns, id), encodeProposal(*proposal));
    prepared->decided = std::move(proposal);
    commitItems(std::move(*prepared), std::move(done), std::move(alsoWrite), "approved");
}

void ConfigCenter::reject(const std::string &ns, const std::string &id, Author rejecter,
                          std::string reason, std::function<void(StatusOr<store::Revision>)> done,
                          std::vector<store::Operation> alsoWrite) {
    if (Status s = validateProposalRef(ns, id); !s.isOk()) {
        return done(s);
    }
    if (Status s = validateFreeText(reason, "reason", 1024); !s.isOk()) {
        return done(s);
    }
    auto pending = pendingProposal(ns, id);
    if (!pending) {
        return done(pending.status());
    }
    std::optional<Proposal> proposal = std::move(*pending);
    const store::Revision decidedAt = proposal->modRevision;
    proposal->state = ProposalState::Rejected;
    proposal->decidedBy = rejecter.name;
    proposal->reason = reason.substr(0, 1024);
    proposal->decideTime = recordTime();
    store::Transaction txn;
    // Decided once: a concurrent approval or rejection fails its compare.
    txn.ifModRevision(proposalKey(ns, id), decidedAt)
        .put(proposalKey(ns, id), encodeProposal(*proposal));
    std::move(alsoWrite.begin(), alsoWrite.end(), std::back_inserter(txn.operations));
    std::vector<std::pair<std::string, Record>> records;
    records.emplace_back(proposalKey(ns, id), std::move(*proposal));
    commitAdopting(std::move(txn), std::move(records),
                   [id, done = std::move(done)](StatusOr<store::TransactionResult> result) {
                       if (!result) {
                           return done(result.status());
                       }
                       if (!result->succeeded) {
                           return done(
                               failedPrecondition("proposal " + id + " was decided meanwhile"));
                       }
                       done(result->revision);
                   });
}

std::vector<Proposal> ConfigCenter::proposals(const std::string &ns, bool includeDecided,
                                              store::Revision *at) const {
    std::shared_lock lock(m_mutex);
    if (at != nullptr) {
        *at = m_revision;
    }
    std::vector<Proposal> out;
    const std::string prefix = ns + "/";
    for (auto it = m_proposals.lower_bound(prefix);
         it != m_proposals.end() && it->first.rfind(prefix, 0) == 0; ++it) {
        if (includeDecided || it->second.state == ProposalState::Pending) {
            out.push_back(it->second);
        }
    }
    return out;
}

} // namespace aegis::config
