"""Admin of the work mechanisms of §五, §九 and §十 (training, joint meetings, contact
records, typical cases) and of activity attachments."""
