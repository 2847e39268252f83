//! Why no identity could be chosen (ENOCERT's causes, D6.2, D6.3): each
//! variant's Japanese beside its English.

use super::cert::cert;
use crate::messages::lang::Lang;
use crate::selection::{Ineligible, NoCertificate};

/// Why no identity could be chosen (D6.2, D6.3).
pub fn no_certificate(nc: &NoCertificate, lang: Lang) -> String {
    match (nc, lang) {
        (NoCertificate::NoStore { path, .. }, Lang::Ja) => {
            format!("証明書ストア {} がありません。", path.display())
        }
        (NoCertificate::NoStore { path, .. }, Lang::En) => {
            format!("{}: there is no certificate store here", path.display())
        }
        (NoCertificate::EmptyStore, Lang::Ja) => "ストアに証明書がありません。".into(),
        (NoCertificate::EmptyStore, Lang::En) => "the store holds no certificate".into(),
        (NoCertificate::NoCandidate { reasons }, Lang::Ja) => format!(
            "ストアにある {} 件の証明書は、いずれも使用できません。",
            reasons.len()
        ),
        (NoCertificate::NoCandidate { reasons }, Lang::En) => format!(
            "none of the {} certificates in the store can be used: {}",
            reasons.len(),
            reasons
                .iter()
                .map(|(s, why)| format!("{s}: {}", ineligible(why, lang)))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        (NoCertificate::SerialNotFound(s), Lang::Ja) => {
            format!("シリアル番号 {s} の証明書はストアにありません。")
        }
        (NoCertificate::SerialNotFound(s), Lang::En) => {
            format!("no certificate with serial {s} is in the store")
        }
        (NoCertificate::Ineligible { serial, why }, Lang::Ja) => format!(
            "シリアル番号 {serial} の証明書は使用できません ({})。",
            ineligible(why, lang)
        ),
        (NoCertificate::Ineligible { serial, why }, Lang::En) => format!(
            "the certificate with serial {serial} cannot be used: {}",
            ineligible(why, lang)
        ),
        (NoCertificate::NotChosen, Lang::Ja) => "一覧から証明書が選択されませんでした。".into(),
        (NoCertificate::NotChosen, Lang::En) => "no certificate was chosen from the list".into(),
    }
}

/// Why an identity is not offered.
pub fn ineligible(why: &Ineligible, lang: Lang) -> String {
    match (why, lang) {
        (Ineligible::ForeignCa { accepted }, Lang::Ja) => {
            format!("接続先が受け付ける認証局 ({accepted}) の証明書ではありません")
        }
        (Ineligible::ForeignCa { accepted }, Lang::En) => {
            format!("its chain contains no CA that the server accepts ({accepted})")
        }
        (Ineligible::ExpiredTooLong { days, not_after }, Lang::Ja) => format!(
            "有効期間の終了 ({not_after}) から {days} 日経過しています。90 日以上経過した証明書は更新できません"
        ),
        (Ineligible::ExpiredTooLong { days, not_after }, Lang::En) => format!(
            "its validity ended {days} days ago, on {not_after} (90 days or more: apply for a reissue)"
        ),
        (Ineligible::ChainUnknown, Lang::Ja) => {
            "証明書チェーン (発行元の認証局とルート証明書) が不明なため、接続先が受け付ける証明書か判断できません".into()
        }
        (Ineligible::ChainUnknown, Lang::En) => {
            "its chain (issuing CA and root) is unknown; import it again with --chain".into()
        }
        (Ineligible::Unfinished { dir, .. }, Lang::Ja) => format!(
            "前回の処理が途中で終了して残った {dir} は、証明書と秘密鍵がそろわないため完成できません (削除せずに保管しています)"
        ),
        (Ineligible::Unfinished { dir, why }, Lang::En) => {
            format!("{dir} was left by a run that ended early and cannot be completed: {why}")
        }
        (Ineligible::Unreadable { file, problem }, Lang::Ja) => match problem {
            Some(p) => format!(
                "ストアにあるファイル {file} を読み取れません ({})",
                cert(p, lang)
            ),
            None => format!("ストアにあるファイル {file} を読み取れません"),
        },
        (Ineligible::Unreadable { file, problem }, Lang::En) => format!(
            "its file {file} in the store cannot be read{}; import it again",
            problem
                .as_ref()
                .map(|p| format!(" ({})", cert(p, lang)))
                .unwrap_or_default()
        ),
    }
}
